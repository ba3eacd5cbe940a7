using Orleans.Concurrency;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// A tenant's push ingest (key <see cref="GrainKeys.Ingest"/>): applies parsed pushes to the day tables exactly
/// once per <c>Idempotency-Key</c> (remembered 24 h with the body's hash and the answer given), and keeps the
/// tenant's quarantine of rejected rows.
/// </summary>
[Alias("pulso.IIngestGrain")]
public interface IIngestGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies <paramref name="push"/> unless its key was seen: the same key and body answer as the first time and
    /// apply nothing; the same key with another body (or kind) is a conflict and applies nothing.
    /// </summary>
    [Alias("Push")]
    Task<IngestOutcome> Push(IngestPush push);

    /// <summary>The most recent rejected rows, newest first, at most <paramref name="limit"/> (the quarantine keeps 10,000).</summary>
    [Alias("GetRejects"), ReadOnly]
    Task<IReadOnlyList<QuarantinedRow>> GetRejects(int limit);

    /// <summary>Keeps rows rejected elsewhere (a source's pages) in the tenant's quarantine.</summary>
    [Alias("Quarantine")]
    Task Quarantine(QuarantinedRow[] rows);

    /// <summary>Forgets the idempotency keys and the quarantine (tenant deletion).</summary>
    [Alias("Purge")]
    Task Purge();
}
