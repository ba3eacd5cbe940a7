namespace Pulso.Grains.Metrics;

/// <summary>
/// A snapshot query (DESIGN 5): an inclusive day range, the dimensions to group by (possibly none),
/// the metrics (empty = every built-in, in default order) and filters (values OR within a dimension,
/// dimensions AND). <see cref="FromHour"/> and <see cref="ToHour"/> narrow the first and last day to a span of
/// local hours, so that a window such as "the last three hours" may cross midnight and still be one query.
/// </summary>
public sealed record MetricQuery(
    DateOnly From,
    DateOnly To,
    IReadOnlyList<Dimension> GroupBy,
    IReadOnlyList<string> Metrics,
    IReadOnlyDictionary<Dimension, IReadOnlyList<string>> Filters,
    int FromHour = 0,
    int ToHour = 23)
{
    public MetricQuery(DateOnly from, DateOnly to, params Dimension[] groupBy)
        : this(from, to, groupBy, [], new Dictionary<Dimension, IReadOnlyList<string>>())
    {
    }

    /// <summary>The metric names to compute, defaults applied.</summary>
    public IReadOnlyList<string> EffectiveMetrics => Metrics.Count == 0 ? MetricCatalog.BuiltinNames : Metrics;
}
