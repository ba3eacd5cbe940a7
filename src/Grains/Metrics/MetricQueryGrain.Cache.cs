using System.Globalization;
using System.Text;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Homologation;

namespace Pulso.Grains.Metrics;

public sealed partial class MetricQueryGrain
{
    /// <summary>
    /// The answers one query worker keeps, least recently used dropped first, and per tenant the metric catalog and
    /// homologation table built from its settings (so that they are not rebuilt for every query).
    /// </summary>
    private sealed class QueryCache
    {
        /// <summary>Most answers kept by one worker.</summary>
        private const int Capacity = 64;

        /// <summary>Most tenants whose catalog and homologation one worker keeps; past it, they are all rebuilt.</summary>
        private const int TenantCapacity = 1024;

        private readonly Dictionary<string, (Entry Entry, long Used)> _answers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TenantContext> _contexts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ITenantGrain> _tenantGrains = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (TenantContext Context, long[] Versions, Task<Entry> Work)> _pending = new(StringComparer.Ordinal);
        private long _clock;

        /// <summary>
        /// The tenant grain's reference, made once: resolving a grain interface is a visible share of a cached answer.
        /// </summary>
        public ITenantGrain TenantGrain(string tenant, Func<string, ITenantGrain> make)
        {
            if (!_tenantGrains.TryGetValue(tenant, out var grain))
            {
                if (_tenantGrains.Count >= TenantCapacity)
                {
                    _tenantGrains.Clear();
                }

                grain = _tenantGrains[tenant] = make(tenant);
            }

            return grain;
        }

        /// <summary>The day grains of the answer kept for <paramref name="key"/> (the key names tenant and range), if any.</summary>
        public IMetricTableGrain[]? Days(string key) => _answers.TryGetValue(key, out var kept) ? kept.Entry.Days : null;

        /// <summary>The tenant's catalog and homologation: the known ones while the metrics and rules are the same.</summary>
        public TenantContext Context(string tenant, TenantQueryContext current)
        {
            var (settings, rules, incarnation) = (current.Settings, current.Homologation, current.Incarnation);
            if (_contexts.TryGetValue(tenant, out var known) && known.Incarnation == incarnation && known.Matches(settings, rules))
            {
                return known;
            }

            if (_contexts.Count >= TenantCapacity)
            {
                _contexts.Clear();
            }

            var context = new TenantContext(settings, rules) { Incarnation = incarnation };
            _contexts[tenant] = context;
            return context;
        }

        /// <summary>The answer kept for <paramref name="key"/> when it was computed with <paramref name="context"/>.</summary>
        public Entry? Find(string key, TenantContext context)
        {
            if (!_answers.TryGetValue(key, out var kept) || !ReferenceEquals(kept.Entry.Context, context))
            {
                return null;
            }

            _answers[key] = (kept.Entry, ++_clock);
            return kept.Entry;
        }

        /// <summary>The answer being computed for <paramref name="key"/> from these versions with this context, if any.</summary>
        public Task<Entry>? Pending(string key, TenantContext context, long[] versions) =>
            _pending.TryGetValue(key, out var p) && ReferenceEquals(p.Context, context) && p.Versions.AsSpan().SequenceEqual(versions) ? p.Work : null;

        public void Begin(string key, TenantContext context, long[] versions, Task<Entry> work) => _pending[key] = (context, versions, work);

        public void End(string key, Task<Entry> work)
        {
            if (_pending.TryGetValue(key, out var p) && ReferenceEquals(p.Work, work))
            {
                _pending.Remove(key);
            }
        }

        public void Store(string key, Entry entry)
        {
            if (_answers.Count >= Capacity && !_answers.ContainsKey(key))
            {
                var oldest = _answers.MinBy(a => a.Value.Used).Key;
                _answers.Remove(oldest);
            }

            _answers[key] = (entry, ++_clock);
        }

        /// <summary>Everything that tells two queries apart: tenant, range, dimensions, metrics and filters in order.</summary>
        public static string Key(string tenant, MetricQueryContract query)
        {
            var key = new StringBuilder(128);
            Field(key, tenant);
            Field(key, query.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Field(key, query.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            key.Append('g').Append(query.GroupBy.Length).Append(';');
            foreach (var name in query.GroupBy)
            {
                Field(key, name);
            }

            key.Append('m').Append(query.Metrics.Length).Append(';');
            foreach (var name in query.Metrics)
            {
                Field(key, name);
            }

            foreach (var (dimension, values) in query.Filters.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                Field(key, dimension);
                key.Append('v').Append(values.Length).Append(';');
                foreach (var value in values)
                {
                    Field(key, value);
                }
            }

            return key.ToString();
        }

        // Length-prefixed, so that no value can pass for a separator.
        private static void Field(StringBuilder key, string value) => key.Append(value.Length).Append(':').Append(value);

        /// <summary>An answer, the day grains it covers with the version of each, and the per-day parts it was concatenated from.</summary>
        public sealed record Entry(TenantContext Context, IMetricTableGrain[] Days, long[] Versions, QueryResultContract[]? Parts, QueryResultContract Answer);
    }

    /// <summary>What a tenant's settings and homologation mean to the engine, with what they were built from.</summary>
    private sealed class TenantContext
    {
        private readonly TenantSettings _settings;

        public TenantContext(TenantSettings settings, IReadOnlyList<HomologationRuleContract> rules)
        {
            _settings = settings;
            Rules = [.. rules];
            Catalog = settings.Metrics.ToCatalog(out _);
            Homologation = Rules.ToTable(out _);
        }

        public HomologationRuleContract[] Rules { get; }

        public MetricCatalog Catalog { get; }

        public HomologationTable Homologation { get; }

        /// <summary>Same tenant metrics and the same rules in the same order (other settings do not change figures).</summary>
        /// <summary>The tenant's data incarnation these answers were computed in (answers of another are stale).</summary>
        public long Incarnation { get; init; }

        public bool Matches(TenantSettings settings, IReadOnlyList<HomologationRuleContract> rules) =>
            (ReferenceEquals(settings, _settings) || SameMetrics(settings.Metrics, _settings.Metrics)) && rules.SequenceEqual(Rules);

        private static bool SameMetrics(IReadOnlyList<MetricDefinitionContract> a, IReadOnlyList<MetricDefinitionContract> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            for (var i = 0; i < a.Count; i++)
            {
                var (x, y) = (a[i], b[i]);
                if (x.Name != y.Name || x.Kind != y.Kind || x.Field != y.Field || x.Numerator != y.Numerator || x.Denominator != y.Denominator
                    || x.Scale != y.Scale || x.Metric != y.Metric || !SameList(x.WhereCategoria, y.WhereCategoria) || !SameList(x.WhereCanal, y.WhereCanal))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool SameList(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
            a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);
    }
}
