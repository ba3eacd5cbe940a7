using Pulso.Grains.Abstractions.Metrics;

namespace Pulso.Grains.Tests.Support;

/// <summary>Exact comparison of query results: same groups in the same order, every metric value and null equal.</summary>
internal static class Figures
{
    public static void Equal(QueryResultContract expected, QueryResultContract actual, string what)
    {
        Assert.Equal(expected.GroupBy, actual.GroupBy);
        Assert.Equal(expected.Metrics.Select(m => (m.Name, m.Kind, m.IsBuiltin)), actual.Metrics.Select(m => (m.Name, m.Kind, m.IsBuiltin)));
        if (expected.RowCount != actual.RowCount)
        {
            Assert.Fail($"{what}: {actual.RowCount} rows, expected {expected.RowCount}");
        }

        for (var d = 0; d < expected.GroupBy.Length; d++)
        {
            for (var row = 0; row < expected.RowCount; row++)
            {
                if (!string.Equals(expected.DimensionColumns[d][row], actual.DimensionColumns[d][row], StringComparison.Ordinal))
                {
                    Assert.Fail($"{what}: row {row} has {expected.GroupBy[d]} '{actual.DimensionColumns[d][row]}', expected '{expected.DimensionColumns[d][row]}'");
                }
            }
        }

        for (var m = 0; m < expected.Metrics.Length; m++)
        {
            for (var row = 0; row < expected.RowCount; row++)
            {
                var want = Value(expected.Metrics[m], row);
                var got = Value(actual.Metrics[m], row);
                if (want != got)
                {
                    Assert.Fail($"{what}: {expected.Metrics[m].Name} of row {row} ({Group(expected, row)}) is {Show(got)}, expected {Show(want)}");
                }
            }
        }
    }

    /// <summary>A metric's value in a result (scaled as the contract carries it), null where the metric is null.</summary>
    public static long? Value(MetricColumnContract column, int row) => column.Nulls is { } nulls && nulls[row] ? null : column.Values[row];

    /// <summary>The value of <paramref name="metric"/> in a result with one row (no group-by).</summary>
    public static long? Total(QueryResultContract result, string metric)
    {
        Assert.Equal(1, result.RowCount);
        return Value(result.Metrics.Single(m => m.Name == metric), 0);
    }

    /// <summary>The values of <paramref name="metric"/> by group, the group's dimension values joined with '|'.</summary>
    public static Dictionary<string, long?> ByGroup(QueryResultContract result, string metric)
    {
        var column = result.Metrics.Single(m => m.Name == metric);
        return Enumerable.Range(0, result.RowCount).ToDictionary(row => Group(result, row), row => Value(column, row));
    }

    private static string Group(QueryResultContract result, int row) =>
        string.Join('|', result.DimensionColumns.Select(column => column[row]));

    private static string Show(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";
}
