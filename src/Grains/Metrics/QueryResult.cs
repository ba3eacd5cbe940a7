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

    /// <summary>
    /// Concatenates results whose groups are disjoint (per-day parts of a query grouped by <c>dia</c>) and sorts
    /// the rows again. All parts must have the same group-by and metric columns.
    /// </summary>
    public static QueryResult Concatenate(IReadOnlyList<QueryResult> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return parts[0];
        }

        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to concatenate", nameof(parts));
        }

        var first = parts[0];
        var rows = parts.Sum(p => p.RowCount);
        var keys = new List<(int Part, int Row)>(rows);
        for (var p = 0; p < parts.Count; p++)
        {
            for (var r = 0; r < parts[p].RowCount; r++)
            {
                keys.Add((p, r));
            }
        }

        keys.Sort((a, b) =>
        {
            for (var d = 0; d < first.GroupBy.Count; d++)
            {
                var c = string.CompareOrdinal(parts[a.Part].DimensionColumns[d][a.Row], parts[b.Part].DimensionColumns[d][b.Row]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        });

        var dimensions = new string[first.GroupBy.Count][];
        for (var d = 0; d < dimensions.Length; d++)
        {
            dimensions[d] = keys.Select(k => parts[k.Part].DimensionColumns[d][k.Row]).ToArray();
        }

        var metrics = new MetricColumn[first.Metrics.Count];
        for (var m = 0; m < metrics.Length; m++)
        {
            var template = first.Metrics[m];
            var values = keys.Select(k => parts[k.Part].Metrics[m].Values[k.Row]).ToArray();
            var anyNulls = parts.Any(p => p.Metrics[m].Nulls is not null);
            var nulls = anyNulls ? keys.Select(k => parts[k.Part].Metrics[m].IsNull(k.Row)).ToArray() : null;
            metrics[m] = new MetricColumn(template.Name, template.Kind, template.IsBuiltin, values, nulls);
        }

        return new QueryResult(first.GroupBy, dimensions, metrics, rows);
    }
}
