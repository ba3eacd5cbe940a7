using System.Globalization;
using System.Text.Json;
using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Gateway.Alerts;

/// <summary>
/// A rule as JSON: <c>{ metric, scope, comparator, threshold, window, hours, minGestiones, cooldownMinutes, enabled,
/// channels: [ { type: email, to: [..] } | { type: slack, url } | { type: webhook, url, secret } ] }</c>. Read field by
/// field so that each problem names its field; thresholds are read from their literal text (never through a double).
/// </summary>
internal static class AlertBody
{
    private static readonly HashSet<string> s_fields =
        ["name", "metric", "scope", "comparator", "threshold", "window", "hours", "minGestiones", "cooldownMinutes", "enabled", "channels"];

    private static readonly HashSet<string> s_channelFields = ["type", "to", "url", "secret"];

    /// <summary>The rule named <paramref name="name"/> in <paramref name="body"/>, or the problems that keep it from being one.</summary>
    public static AlertRule? Parse(string name, JsonElement body, List<string> problems)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add("the body must be a JSON object");
            return null;
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!s_fields.Contains(property.Name))
            {
                problems.Add($"{property.Name}: not a field of a rule (one of {string.Join(", ", s_fields)})");
            }
        }

        if (body.TryGetProperty("name", out var named) && (named.ValueKind != JsonValueKind.String || named.GetString() != name))
        {
            problems.Add($"name: '{named}' differs from the route's '{name}'");
        }

        var metric = Text(body, "metric", problems, required: true);
        var scope = Text(body, "scope", problems, required: false) ?? "tenant";
        var comparator = Text(body, "comparator", problems, required: true);
        var threshold = Threshold(body, problems);
        var window = Text(body, "window", problems, required: false) ?? "today";
        var hours = Integer(body, "hours", 0, problems);
        var minGestiones = Integer(body, "minGestiones", 0, problems);
        var cooldown = Integer(body, "cooldownMinutes", 60, problems);
        var enabled = true;
        if (body.TryGetProperty("enabled", out var on))
        {
            if (on.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                enabled = on.GetBoolean();
            }
            else
            {
                problems.Add("enabled: must be true or false");
            }
        }

        var channels = new List<AlertChannel>();
        if (!body.TryGetProperty("channels", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            problems.Add("channels: required, an array of { type: email|slack|webhook, ... }");
        }
        else
        {
            var i = 0;
            foreach (var channel in list.EnumerateArray())
            {
                if (Channel(channel, $"channels[{i++}]", problems) is { } parsed)
                {
                    channels.Add(parsed);
                }
            }
        }

        if (problems.Count > 0)
        {
            return null;
        }

        return new AlertRule(name, metric!, scope, comparator!, threshold, window, (int)Math.Clamp(hours, int.MinValue, int.MaxValue),
            minGestiones, (int)Math.Clamp(cooldown, int.MinValue, int.MaxValue), channels, enabled);
    }

    /// <summary>A rule as read back: credentials already left out by the grain.</summary>
    public static object Describe(AlertRuleView view)
    {
        var rule = view.Rule;
        return new
        {
            name = rule.Name,
            metric = rule.Metric,
            scope = rule.Scope,
            comparator = rule.Comparator,
            threshold = rule.Threshold.ToString(CultureInfo.InvariantCulture),
            window = rule.Window,
            hours = rule.Window == "hours" ? rule.Hours : (int?)null,
            minGestiones = rule.MinGestiones,
            cooldownMinutes = rule.CooldownMinutes,
            enabled = rule.Enabled,
            channels = rule.Channels.Select(c => new { type = c.Type, to = c.To, url = c.Url, secret = c.Type == "webhook" ? "(set)" : null }),
            firing = view.FiringGroups,
            lastFiredAt = view.LastFiredAt,
        };
    }

    public static object Describe(AlertEvent e) => new
    {
        at = e.At,
        rule = e.Rule,
        @event = e.Kind,
        group = e.Group,
        metric = e.Metric,
        value = e.Value?.ToString(CultureInfo.InvariantCulture),
        comparator = e.Comparator,
        threshold = e.Threshold.ToString(CultureInfo.InvariantCulture),
        gestiones = e.Volume,
        id = e.NotificationId,
        detail = e.Detail,
    };

    private static AlertChannel? Channel(JsonElement channel, string field, List<string> problems)
    {
        if (channel.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{field}: must be an object {{ type, ... }}");
            return null;
        }

        foreach (var property in channel.EnumerateObject())
        {
            if (!s_channelFields.Contains(property.Name))
            {
                problems.Add($"{field}.{property.Name}: not a field of a channel (one of {string.Join(", ", s_channelFields)})");
            }
        }

        var type = Text(channel, "type", problems, required: true, field);
        List<string>? to = null;
        if (channel.TryGetProperty("to", out var addresses))
        {
            if (addresses.ValueKind == JsonValueKind.Array && addresses.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String))
            {
                to = [.. addresses.EnumerateArray().Select(a => a.GetString()!)];
            }
            else
            {
                problems.Add($"{field}.to: must be an array of email addresses");
            }
        }

        var url = Text(channel, "url", problems, required: false, field);
        var secret = Text(channel, "secret", problems, required: false, field);
        return type is null ? null : new AlertChannel(type, to, url, secret);
    }

    private static string? Text(JsonElement body, string name, List<string> problems, bool required, string? parent = null)
    {
        var field = parent is null ? name : $"{parent}.{name}";
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problems.Add($"{field}: required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{field}: must be a string");
            return null;
        }

        return value.GetString();
    }

    private static long Integer(JsonElement body, string name, long fallback, List<string> problems)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        problems.Add($"{name}: must be a whole number");
        return fallback;
    }

    /// <summary>A number or a decimal string, read exactly.</summary>
    private static decimal Threshold(JsonElement body, List<string> problems)
    {
        if (!body.TryGetProperty("threshold", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add("threshold: required, a number or a decimal string such as \"20.5\"");
            return 0;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!.Trim(),
            _ => null,
        };
        if (text is null || text.Length > 40 || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var threshold))
        {
            problems.Add($"threshold: '{value}' is not a decimal number (digits, an optional sign and point; no exponent)");
            return 0;
        }

        return threshold;
    }
}
