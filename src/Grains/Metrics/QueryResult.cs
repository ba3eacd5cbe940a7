namespace Pulso.Grains.Metrics;

/// <summary>One metric column of a result: values as scaled integers (10^decimals), with nulls.</summary>
public sealed class MetricColumn
{
    internal MetricColumn(string name, MetricValueKind kind, bool isBuiltin, long[] values, bool[]? nulls)
    {
        Name = name;
        Kind = kind;
        IsBuiltin = isBuiltin;
        Values = values;
        Nulls = nulls;
    }

    public string Name { get; }

    public MetricValueKind Kind { get; }

    public bool IsBuiltin { get; }

    /// <summary>Counts as is, money and hours in cents, rates × 10^4.</summary>
    public IReadOnlyList<long> Values { get; }

    /// <summary>Null flags, or null when the column has no nulls.</summary>
    public IReadOnlyList<bool>? Nulls { get; }

    public int Decimals => Kind switch
    {
        MetricValueKind.Integer => 0,
        MetricValueKind.Money => 2,
        _ => 4,
    };

    public bool IsNull(int row) => Nulls is not null && Nulls[row];

    /// <summary>The value as an exact decimal, or null.</summary>
    public decimal? GetDecimal(int row) => IsNull(row) ? null : new decimal(Values[row]) / Pow10(Decimals);

    private static decimal Pow10(int n) => n switch { 0 => 1m, 2 => 100m, _ => 10_000m };
}

/// <summary>
/// A snapshot: one row per group with at least one accepted gestión, sorted ordinally by the
/// group-by columns in the order given.
/// </summary>
public sealed class QueryResult
{
    internal QueryResult(IReadOnlyList<Dimension> groupBy, IReadOnlyList<string[]> dimensionColumns, IReadOnlyList<MetricColumn> metrics, int rowCount)
    {
        GroupBy = groupBy;
        DimensionColumns = dimensionColumns;
        Metrics = metrics;
        RowCount = rowCount;
    }

    public IReadOnlyList<Dimension> GroupBy { get; }

    /// <summary>One array of values per group-by dimension, in <see cref="GroupBy"/> order.</summary>
    public IReadOnlyList<string[]> DimensionColumns { get; }

    public IReadOnlyList<MetricColumn> Metrics { get; }

    public int RowCount { get; }
}
