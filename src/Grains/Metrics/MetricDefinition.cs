namespace Pulso.Grains.Metrics;

/// <summary>The kinds of tenant-defined metric (DESIGN 2.5).</summary>
public enum MetricKind
{
    Count,
    Sum,
    Distinct,
    Ratio,
    PerHour,
}

/// <summary>A row condition of a count, sum or distinct metric: categoría and/or canal in a list.</summary>
public sealed record MetricWhere(IReadOnlyList<string>? Categoria = null, IReadOnlyList<string>? Canal = null);

/// <summary>
/// A tenant-defined metric as stored in the tenant settings:
/// <c>{ "name", "kind", "where"?, "field"?, "numerator"?, "denominator"?, "scale"?, "metric"? }</c>.
/// </summary>
public sealed record MetricDefinition(
    string Name,
    MetricKind Kind,
    MetricWhere? Where = null,
    string? Field = null,
    string? Numerator = null,
    string? Denominator = null,
    decimal? Scale = null,
    string? Metric = null);
