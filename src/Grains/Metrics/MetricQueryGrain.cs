using Orleans.Concurrency;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Prometheus;
using Pulso.Grains.Observability;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Metrics;

/// <summary>
/// Fans a snapshot query out over a tenant's day tables. Grouped by <c>dia</c> (or a single day), each day
/// answers for itself and the parts are concatenated; otherwise distinct debtors cross days, so the day
/// tables are fetched and evaluated together here.
/// </summary>
[StatelessWorker]
public sealed class MetricQueryGrain : Grain, IMetricQueryGrain
{
    /// <summary>Longest range a query may span (days): the longest retention. Gateways set a tighter, configurable bound.</summary>
    public const int MaxDays = 3660;

    public async Task<QueryResultContract> Query(string tenant, MetricQueryContract query)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var timer = PulsoMetrics.QuerySeconds.NewTimer();
        var tenantGrain = GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        var settings = await tenantGrain.GetSettings() ?? throw new KeyNotFoundException($"tenant '{tenant}' does not exist");
        var rules = await tenantGrain.GetHomologation();
        var catalog = settings.Metrics.ToCatalog(out _);
        var engineQuery = query.ToQuery(catalog);
        var span = query.To.DayNumber - query.From.DayNumber + 1;
        if (span > MaxDays)
        {
            throw new ArgumentException($"the range from {query.From:yyyy-MM-dd} to {query.To:yyyy-MM-dd} spans {span} days; at most {MaxDays}");
        }

        var days = Enumerable.Range(query.From.DayNumber, span)
            .Select(d => GrainFactory.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, DateOnly.FromDayNumber(d))))
            .ToList();
        if (span == 1 || engineQuery.GroupBy.Contains(Dimension.Dia))
        {
            var parts = await Task.WhenAll(days.Select(d => d.Query(query, rules, settings.Metrics)));
            var merged = QueryResult.Concatenate(parts.Select(p => p.ToResult()).ToList());
            return merged.ToContract(parts.Sum(p => p.Version));
        }

        var snapshots = await Task.WhenAll(days.Select(d => d.GetSnapshot()));
        var tables = snapshots.Select(s => MetricTableCodec.Decode(s.Table));
        var result = QueryEvaluator.Evaluate(tables, engineQuery, rules.ToTable(out _), catalog);
        return result.ToContract(snapshots.Sum(s => s.Version));
    }
}
