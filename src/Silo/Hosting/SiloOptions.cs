namespace Pulso.Silo.Hosting;

/// <summary><c>Pulso:Storage</c>: where grain state and metric journals live.</summary>
public sealed class PulsoStorageOptions
{
    public const string Section = "Pulso:Storage";

    /// <summary><c>Memory</c> (the default; lost on exit) or <c>Redis</c>.</summary>
    public string Provider { get; set; } = "Memory";

    /// <summary>Redis configuration string (StackExchange.Redis syntax).</summary>
    public string? ConnectionString { get; set; }

    public bool IsRedis => string.Equals(Provider, "Redis", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>Pulso:Demo</c>: the demo tenant and its simulated stream of gestiones.</summary>
public sealed class PulsoDemoOptions
{
    public const string Section = "Pulso:Demo";

    public bool Enabled { get; set; }

    /// <summary>Seconds between simulated batches.</summary>
    public double IntervalSeconds { get; set; } = 2;
}
