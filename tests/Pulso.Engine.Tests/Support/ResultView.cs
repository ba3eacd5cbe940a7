using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Support;

/// <summary>Reads a <see cref="QueryResult"/> by group key and metric name.</summary>
internal sealed class ResultView
{
    private readonly QueryResult _result;

    public ResultView(QueryResult result)
    {
        _result = result;
        Keys = Enumerable.Range(0, result.RowCount)
            .Select(r => string.Join("|", result.DimensionColumns.Select(c => c[r])))
            .ToList();
    }

    /// <summary>The group keys in result order, dimension values joined by '|'.</summary>
    public IReadOnlyList<string> Keys { get; }

    public int Count => _result.RowCount;

    public decimal? this[string key, string metric] => Column(metric).GetDecimal(Row(key));

    public decimal? this[int row, string metric] => Column(metric).GetDecimal(row);

    public MetricColumn Column(string metric) =>
        _result.Metrics.SingleOrDefault(m => m.Name == metric) ?? throw new InvalidOperationException($"no metric '{metric}' in the result");

    public int Row(string key)
    {
        var row = Keys.ToList().IndexOf(key);
        return row >= 0 ? row : throw new InvalidOperationException($"no group '{key}' in the result; groups: {string.Join(", ", Keys)}");
    }
}
