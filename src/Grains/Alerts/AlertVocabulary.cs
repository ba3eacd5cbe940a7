namespace Pulso.Grains.Alerts;

/// <summary>The words a rule is written in: scopes, comparators, windows and channel types.</summary>
public static class AlertVocabulary
{
    public const string ScopeTenant = "tenant";
    public const string ScopeEjecutivo = "ejecutivo";
    public const string ScopeCanal = "canal";

    public const string WindowToday = "today";
    public const string WindowHours = "hours";

    public const string Email = "email";
    public const string Slack = "slack";
    public const string Webhook = "webhook";

    public const string Firing = "firing";
    public const string Resolved = "resolved";
    public const string Undelivered = "undelivered";

    public static readonly IReadOnlyList<string> Scopes = [ScopeTenant, ScopeEjecutivo, ScopeCanal];

    public static readonly IReadOnlyList<string> Comparators = ["lt", "lte", "gt", "gte"];

    public static readonly IReadOnlyList<string> Windows = [WindowToday, WindowHours];

    public static readonly IReadOnlyList<string> ChannelTypes = [Email, Slack, Webhook];

    /// <summary>Whether <paramref name="value"/> compares to <paramref name="threshold"/> as <paramref name="comparator"/> says.</summary>
    public static bool Holds(string comparator, decimal value, decimal threshold) => comparator switch
    {
        "lt" => value < threshold,
        "lte" => value <= threshold,
        "gt" => value > threshold,
        "gte" => value >= threshold,
        _ => throw new ArgumentException($"unknown comparator '{comparator}'", nameof(comparator)),
    };

    /// <summary>The comparator as a symbol, for messages.</summary>
    public static string Symbol(string comparator) => comparator switch
    {
        "lt" => "<",
        "lte" => "<=",
        "gt" => ">",
        "gte" => ">=",
        _ => comparator,
    };

    /// <summary>The group-by dimension of a scope (none for the tenant as a whole).</summary>
    public static string[] GroupBy(string scope) => scope == ScopeTenant ? [] : [scope];
}
