namespace Pulso.Gateway.Ingest;

/// <summary><c>Pulso:Ingest</c>: bounds of push ingest.</summary>
public sealed class IngestOptions
{
    public const string Section = "Pulso:Ingest";

    /// <summary>Largest body accepted, in bytes (default 64 MiB); larger gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 64L << 20;

    /// <summary>Most data rows in one push (default 1,000,000); more gets 413.</summary>
    public long MaxRows { get; set; } = 1_000_000;

    /// <summary>Pushes of one tenant in flight at once on this gateway (default 4); one more gets 429.</summary>
    public int MaxConcurrentPerTenant { get; set; } = 4;

    /// <summary>The <c>Retry-After</c> of a 429, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}
