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
/// <remarks>
/// Dashboards ask the same questions over and over while most days never change, so answers are kept
/// (<see cref="QueryCache"/>) with the version of every day they cover and the tenant metrics and homologation they
/// were computed with. A query first asks each day for its version (a cheap call) and then reuses what still holds:
/// the whole answer, or the parts of the days whose version did not move. Any change of the data, the metrics or the
/// mapping therefore shows in the next answer. Queries that find the same versions while an answer is being computed
/// wait for that answer instead of computing it again. Reentrant, so that the awaits of one query leave the worker
/// free for the others.
/// </remarks>
[StatelessWorker, Reentrant]
public sealed partial class MetricQueryGrain : Grain, IMetricQueryGrain
{
    /// <summary>Longest range a query may span (days): the longest retention. Gateways set a tighter, configurable bound.</summary>
    public const int MaxDays = 3660;

    private readonly QueryCache _cache = new();

    public async Task<QueryResultContract> Query(string tenant, MetricQueryContract query)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var timer = PulsoMetrics.QuerySeconds.NewTimer();
        var tenantGrain = _cache.TenantGrain(tenant, t => GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(t)));
        var tenantContext = await tenantGrain.GetQueryContext() ?? throw new KeyNotFoundException($"tenant '{tenant}' does not exist");
        var settings = tenantContext.Settings;
        var context = _cache.Context(tenant, tenantContext);
        var engineQuery = query.ToQuery(context.Catalog);
        var span = query.To.DayNumber - query.From.DayNumber + 1;
        if (span > MaxDays)
        {
            throw new ArgumentException($"the range from {query.From:yyyy-MM-dd} to {query.To:yyyy-MM-dd} spans {span} days; at most {MaxDays}");
        }

        var key = QueryCache.Key(tenant, query);
        var days = _cache.Days(key) ?? Enumerable.Range(query.From.DayNumber, span)
            .Select(d => GrainFactory.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, DateOnly.FromDayNumber(d))))
            .ToArray();
        var versions = await Task.WhenAll(days.Select(d => d.GetVersion()));
        var cached = _cache.Find(key, context);
        if (cached is not null && cached.Versions.AsSpan().SequenceEqual(versions))
        {
            return cached.Answer;
        }

        // Versions read after this query arrived: an answer being computed from the same versions (or newer ones,
        // read by the days themselves) is as fresh as one computed now.
        if (_cache.Pending(key, context, versions) is { } pending)
        {
            return (await pending).Answer;
        }

        var work = Compute(query, engineQuery, context, settings, days, versions, cached);
        _cache.Begin(key, context, versions, work);
        try
        {
            var entry = await work;
            _cache.Store(key, entry);
            return entry.Answer;
        }
        finally
        {
            _cache.End(key, work);
        }
    }

    private static async Task<QueryCache.Entry> Compute(
        MetricQueryContract query, MetricQuery engineQuery, TenantContext context, TenantSettings settings,
        IMetricTableGrain[] days, long[] versions, QueryCache.Entry? cached)
    {
        if (days.Length == 1 || engineQuery.GroupBy.Contains(Dimension.Dia))
        {
            // Days whose version did not move keep their part; the others answer again.
            var parts = new QueryResultContract[days.Length];
            var asked = new List<(int Day, Task<QueryResultContract> Part)>();
            for (var i = 0; i < days.Length; i++)
            {
                if (cached?.Parts is { } old && old[i].Version == versions[i])
                {
                    parts[i] = old[i];
                }
                else
                {
                    asked.Add((i, days[i].Query(query, context.Rules, settings.Metrics)));
                }
            }

            await Task.WhenAll(asked.Select(a => a.Part));
            foreach (var (day, part) in asked)
            {
                parts[day] = await part;
            }

            var answer = parts.Length == 1
                ? parts[0]
                : QueryResult.Concatenate(parts.Select(p => p.ToResult()).ToList()).ToContract(parts.Sum(p => p.Version));
            return new QueryCache.Entry(context, days, parts.Select(p => p.Version).ToArray(), parts, answer);
        }

        var snapshots = await Task.WhenAll(days.Select(d => d.GetSnapshot()));
        var tables = snapshots.Select(s => MetricTableCodec.Decode(s.Table));
        var result = QueryEvaluator.Evaluate(tables, engineQuery, context.Homologation, context.Catalog);
        return new QueryCache.Entry(context, days, snapshots.Select(s => s.Version).ToArray(), null, result.ToContract(snapshots.Sum(s => s.Version)));
    }
}
