namespace Pulso.Grains.Abstractions.Clustering;

/// <summary>
/// <c>Pulso:Cluster</c>: how a process finds the cluster. Silos and Orleans clients (the standalone gateway)
/// read the same keys, so one set of variables points both at the same membership table and ids.
/// </summary>
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

    /// <summary>The port silos accept Orleans clients on; with Localhost clustering, the port a client connects to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one on (a pod IP on Kubernetes); default: the first non-loopback address.</summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>Membership probe timeout, seconds.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>Missed probes before a silo is suspected.</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>How long a graceful shutdown may take to finish in-flight batches, seconds.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long a grain call waits for its answer before it fails with a <see cref="TimeoutException"/>, seconds: in
    /// silos (grain to grain, and the co-hosted gateway's calls) and in Orleans clients (the standalone gateway). An
    /// answer lost on its way back (through a gateway silo that left meanwhile) costs a caller this long, then the
    /// push path retries it.
    /// </summary>
    public double ResponseTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// On a graceful shutdown, how long a silo keeps serving after it has told the Orleans clients connected to it to
    /// send through other silos, before it deactivates its grains, seconds: requests already sent through it are
    /// answered through it while it is still whole. Within <see cref="ShutdownTimeoutSeconds"/>.
    /// </summary>
    public double ClientDrainSeconds { get; set; } = 3;

    /// <summary>
    /// How often an Orleans client (the standalone gateway) reads the live silos from the membership table, seconds.
    /// A rolling restart replaces silos faster than Orleans' default minute: a client that has not seen the new silos
    /// is left with no gateway when the last of the old ones stops.
    /// </summary>
    public double GatewayListRefreshSeconds { get; set; } = 5;

    public bool IsAdoNet => string.Equals(Provider, "AdoNet", StringComparison.OrdinalIgnoreCase);

    /// <summary>What keeps these settings from being used, each problem naming its key; empty when none.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IsAdoNet && !string.Equals(Provider, "Localhost", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Section}:Provider must be Localhost or AdoNet, not '{Provider}'");
        }

        if (IsAdoNet && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"{Section}:ConnectionString is required with Provider AdoNet (a PostgreSQL connection string)");
        }

        if (!(ResponseTimeoutSeconds > 0))
        {
            problems.Add($"{Section}:ResponseTimeoutSeconds must be positive, not {ResponseTimeoutSeconds}");
        }

        if (!(ClientDrainSeconds >= 0) || ClientDrainSeconds >= ShutdownTimeoutSeconds)
        {
            problems.Add($"{Section}:ClientDrainSeconds must be 0 or more and below {Section}:ShutdownTimeoutSeconds ({ShutdownTimeoutSeconds}), not {ClientDrainSeconds}");
        }

        if (!(GatewayListRefreshSeconds > 0))
        {
            problems.Add($"{Section}:GatewayListRefreshSeconds must be positive, not {GatewayListRefreshSeconds}");
        }

        return problems;
    }
}
