namespace Pulso.Silo.Hosting;

/// <summary><c>Pulso:Cluster</c>: how this silo finds the others.</summary>
public sealed class PulsoClusterOptions
{
    public const string Section = "Pulso:Cluster";

    /// <summary><c>Localhost</c> (one machine, the default) or <c>AdoNet</c> (membership in PostgreSQL).</summary>
    public string Provider { get; set; } = "Localhost";

    /// <summary>PostgreSQL connection string for membership (AdoNet).</summary>
    public string? ConnectionString { get; set; }

    public string ClusterId { get; set; } = "pulso";

    public string ServiceId { get; set; } = "pulso";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one on (a pod IP on Kubernetes); default: the first non-loopback address.</summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>Membership probe timeout, seconds.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>Missed probes before a silo is suspected.</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>How long a graceful shutdown may take to finish in-flight batches, seconds.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    public bool IsAdoNet => string.Equals(Provider, "AdoNet", StringComparison.OrdinalIgnoreCase);
}

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
