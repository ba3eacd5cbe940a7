namespace Pulso.Gateway.Limits;

/// <summary><c>Pulso:RateLimit</c>: requests per caller tenant to <c>/api/v1</c> on one gateway (a token bucket).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Pulso:RateLimit";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second a tenant's callers may make, on average (default 5,000).</summary>
    public int PermitsPerSecond { get; set; } = 5_000;

    /// <summary>Requests a tenant may make at once above the average (the bucket's size; default 5,000).</summary>
    public int Burst { get; set; } = 5_000;
}

/// <summary><c>Pulso:Query</c>: bounds of one snapshot query.</summary>
public sealed class QueryLimitOptions
{
    public const string Section = "Pulso:Query";

    /// <summary>Longest <c>from</c>..<c>to</c> range, in days (default 400).</summary>
    public int MaxRangeDays { get; set; } = 400;

    /// <summary>Most rows (groups) one answer may hold (default 200,000).</summary>
    public int MaxGroups { get; set; } = 200_000;
}
