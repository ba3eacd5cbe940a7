using Orleans.Concurrency;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Abstractions.Metrics;

/// <summary>
/// One tenant's metric table for one day (key <c>tenant/yyyy-MM-dd</c>, built by <see cref="GrainKeys.Day"/>),
/// updated batch by batch and persisted as a journal of batch deltas; reads interleave with writes.
/// </summary>
[Alias("pulso.IMetricTableGrain")]
public interface IMetricTableGrain : IGrainWithStringKey
{
    /// <summary>Applies a batch exactly once: a batch id seen before changes nothing and reports Duplicate.</summary>
    [Alias("Apply")]
    Task<ApplyResult> Apply(DayBatch batch);

    /// <summary>
    /// <see cref="Apply"/> for a batch already in the journal's day-delta format (what <c>pulso import</c> sends):
    /// decoded and checked like a <see cref="DayBatch"/>, then stored as it came instead of encoded again.
    /// </summary>
    [Alias("ApplyEncoded")]
    Task<ApplyResult> ApplyEncoded(EncodedDayBatch batch);

    /// <summary>The journal sequence of the table: grows with every applied batch, across reactivations.</summary>
    [Alias("GetVersion"), ReadOnly]
    Task<long> GetVersion();

    /// <summary>Evaluates a query over this day alone.</summary>
    [Alias("Query"), ReadOnly]
    Task<QueryResultContract> Query(MetricQueryContract query, IReadOnlyList<HomologationRuleContract> homologation, IReadOnlyList<MetricDefinitionContract> metrics);

    /// <summary>The table encoded (versioned binary format), for queries that merge days (distinct debtors across days).</summary>
    [Alias("GetSnapshot"), ReadOnly]
    Task<TableSnapshot> GetSnapshot();

    /// <summary>Deletes the day's journal (its figures and batch ids) and deactivates: retention and tenant deletion.</summary>
    [Alias("Purge")]
    Task Purge();
}

/// <summary>An encoded day table and its version.</summary>
[GenerateSerializer, Immutable, Alias("pulso.TableSnapshot")]
public sealed record TableSnapshot([property: Id(0)] byte[] Table, [property: Id(1)] long Version);

/// <summary>Fans a range query out over the day tables and merges (a stateless worker: never the tenant grain).</summary>
[Alias("pulso.IMetricQueryGrain")]
public interface IMetricQueryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The snapshot of DESIGN 5 for <paramref name="tenant"/>; throws <see cref="ArgumentException"/> for an invalid
    /// query and <see cref="KeyNotFoundException"/> when the tenant does not exist.
    /// </summary>
    [Alias("Query")]
    Task<QueryResultContract> Query(string tenant, MetricQueryContract query);
}
