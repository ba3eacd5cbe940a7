using Pulso.Grains.Abstractions.Metrics;

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

    /// <summary>Why <paramref name="query"/>'s range is over the limit (naming the key), or null when it is not.</summary>
    public string? RangeProblem(MetricQueryContract query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var span = query.To.DayNumber - query.From.DayNumber + 1;
        return span > MaxRangeDays
            ? $"from {query.From:yyyy-MM-dd} to {query.To:yyyy-MM-dd} spans {span} days, more than the {MaxRangeDays} of {Section}:MaxRangeDays"
            : null;
    }

    /// <summary>Why an answer of <paramref name="groups"/> rows is over the limit (naming the key), or null when it is not.</summary>
    public string? GroupsProblem(int groups) => groups > MaxGroups
        ? $"the answer has {groups} groups, more than the {MaxGroups} of {Section}:MaxGroups; narrow groupBy, the range or the filters"
        : null;
}
