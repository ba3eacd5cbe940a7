namespace Pulso.Grains.Abstractions.Metrics;

/// <summary>
/// A snapshot query as it crosses grain boundaries (DESIGN 5): dimension and metric names, filters by dimension.
/// <see cref="FromHour"/> and <see cref="ToHour"/> (local hours, 0–23; null for the whole day) narrow the first and
/// last day, for windows of hours that may cross midnight (alert rules); null when absent from an older sender.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.MetricQuery")]
public sealed record MetricQueryContract(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] string[] GroupBy,
    [property: Id(3)] string[] Metrics,
    [property: Id(4)] IReadOnlyDictionary<string, string[]> Filters,
    [property: Id(5)] int? FromHour = null,
    [property: Id(6)] int? ToHour = null);

/// <summary>One metric column: values scaled by 10^decimals (counts 0, money 2, rates 4), null flags when any.</summary>
[GenerateSerializer, Immutable, Alias("pulso.MetricColumn")]
public sealed record MetricColumnContract(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] bool IsBuiltin,
    [property: Id(3)] long[] Values,
    [property: Id(4)] bool[]? Nulls);

/// <summary>A snapshot: the group-by columns and metric columns, rows sorted; the version of the data it reflects.</summary>
[GenerateSerializer, Immutable, Alias("pulso.QueryResult")]
public sealed record QueryResultContract(
    [property: Id(0)] string[] GroupBy,
    [property: Id(1)] string[][] DimensionColumns,
    [property: Id(2)] MetricColumnContract[] Metrics,
    [property: Id(3)] int RowCount,
    [property: Id(4)] long Version);
