using System.Net.Mail;
using System.Text.RegularExpressions;
using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts;

/// <summary>The checks a rule passes before it is saved; each problem names the field it is about.</summary>
public static partial class AlertRuleCheck
{
    public const int MaxRules = 100;
    public const int MaxHours = 48;
    public const int MaxCooldownMinutes = 7 * 24 * 60;
    public const long MaxMinGestiones = 1_000_000_000;
    public const int MaxChannels = 10;
    public const int MaxRecipients = 20;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxUrlLength = 2_000;

    /// <summary>Thresholds are exact decimals; beyond this magnitude no metric reaches them.</summary>
    public const decimal MaxThreshold = 1_000_000_000_000_000m;

    /// <summary>A name usable in the route (<c>…/alerts/{name}</c>), not shadowing <c>…/alerts/history</c>.</summary>
    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name) && name != "history";

    /// <summary>
    /// The problems of <paramref name="rule"/> (empty when it may be saved). <paramref name="isMetric"/> says whether a
    /// name is a built-in or tenant-defined metric; email channels need SendGrid to be configured.
    /// </summary>
    public static List<string> Problems(AlertRule rule, Func<string, bool> isMetric, bool emailConfigured)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(isMetric);
        var problems = new List<string>();
        if (!IsName(rule.Name))
        {
            problems.Add($"name: '{rule.Name}' must be 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit (and not 'history')");
        }

        if (string.IsNullOrEmpty(rule.Metric) || !isMetric(rule.Metric))
        {
            problems.Add($"metric: '{rule.Metric}' is not a built-in or tenant-defined metric");
        }

        if (!AlertVocabulary.Scopes.Contains(rule.Scope))
        {
            problems.Add($"scope: '{rule.Scope}' is not one of {string.Join(", ", AlertVocabulary.Scopes)}");
        }

        if (!AlertVocabulary.Comparators.Contains(rule.Comparator))
        {
            problems.Add($"comparator: '{rule.Comparator}' is not one of {string.Join(", ", AlertVocabulary.Comparators)}");
        }

        if (Math.Abs(rule.Threshold) >= MaxThreshold)
        {
            problems.Add($"threshold: must be below {MaxThreshold} in magnitude");
        }
        else if (rule.Threshold.Scale > 4 && decimal.Round(rule.Threshold, 4) != rule.Threshold)
        {
            problems.Add("threshold: at most 4 decimal places");
        }

        if (rule.Window == AlertVocabulary.WindowToday)
        {
            if (rule.Hours != 0)
            {
                problems.Add("hours: only with window 'hours'");
            }
        }
        else if (rule.Window == AlertVocabulary.WindowHours)
        {
            if (rule.Hours is < 1 or > MaxHours)
            {
                problems.Add($"hours: must be between 1 and {MaxHours} with window 'hours'");
            }
        }
        else
        {
            problems.Add($"window: '{rule.Window}' is not one of {string.Join(", ", AlertVocabulary.Windows)}");
        }

        if (rule.MinGestiones is < 0 or > MaxMinGestiones)
        {
            problems.Add($"minGestiones: must be between 0 and {MaxMinGestiones}");
        }

        if (rule.CooldownMinutes is < 0 or > MaxCooldownMinutes)
        {
            problems.Add($"cooldownMinutes: must be between 0 and {MaxCooldownMinutes}");
        }

        var channels = rule.Channels ?? [];
        if (channels.Count is < 1 or > MaxChannels)
        {
            problems.Add($"channels: between 1 and {MaxChannels}");
        }

        for (var i = 0; i < channels.Count; i++)
        {
            CheckChannel(channels[i], $"channels[{i}]", emailConfigured, problems);
        }

        return problems;
    }

    private static void CheckChannel(AlertChannel? channel, string field, bool emailConfigured, List<string> problems)
    {
        if (channel is null)
        {
            problems.Add($"{field}: missing");
            return;
        }

        switch (channel.Type)
        {
            case AlertVocabulary.Email:
                var to = channel.To ?? [];
                if (to.Count is < 1 or > MaxRecipients)
                {
                    problems.Add($"{field}.to: between 1 and {MaxRecipients} addresses");
                }

                foreach (var address in to)
                {
                    if (!IsEmail(address))
                    {
                        problems.Add($"{field}.to: '{address}' is not an email address");
                    }
                }

                if (!emailConfigured)
                {
                    problems.Add($"{field}: email is not available (the cluster has no {AlertOptions.Section}:SendGrid:ApiKey)");
                }

                break;
            case AlertVocabulary.Slack:
                CheckUrl(channel.Url, field, problems);
                break;
            case AlertVocabulary.Webhook:
                CheckUrl(channel.Url, field, problems);
                if (channel.Secret is null || channel.Secret.Length is < MinSecretLength or > MaxSecretLength)
                {
                    problems.Add($"{field}.secret: {MinSecretLength} to {MaxSecretLength} characters, shared with the receiver to verify signatures");
                }

                break;
            default:
                problems.Add($"{field}.type: '{channel.Type}' is not one of {string.Join(", ", AlertVocabulary.ChannelTypes)}");
                break;
        }
    }

    private static void CheckUrl(string? url, string field, List<string> problems)
    {
        if (url is null || url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            problems.Add($"{field}.url: an absolute http(s) URL without credentials, at most {MaxUrlLength} characters");
        }
    }

    private static bool IsEmail(string? address) =>
        address is { Length: > 0 and <= 254 } && MailAddress.TryCreate(address, out var parsed) && parsed.Address == address;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
