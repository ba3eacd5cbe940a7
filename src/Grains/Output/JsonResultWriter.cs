using System.Globalization;
using System.Text.Json;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Output;

/// <summary>
/// The JSON snapshot of DESIGN 5: <c>{ tenant, from, to, groupBy, metrics, version, rows }</c> with the domain
/// names verbatim, counts as numbers, money (2 decimals) and rates (4) as exact strings, null when absent.
/// </summary>
public static class JsonResultWriter
{
    public static async Task WriteAsync(Stream stream, string tenant, DateOnly from, DateOnly to, long version, QueryResult result, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        await using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("tenant", tenant);
        json.WriteString("from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteString("to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteStartArray("groupBy");
        foreach (var g in result.GroupBy)
        {
            json.WriteStringValue(Dimensions.Name(g));
        }

        json.WriteEndArray();
        json.WriteStartArray("metrics");
        foreach (var m in result.Metrics)
        {
            json.WriteStringValue(m.Name);
        }

        json.WriteEndArray();
        json.WriteNumber("version", version);
        json.WriteStartArray("rows");
        for (var r = 0; r < result.RowCount; r++)
        {
            json.WriteStartObject();
            for (var d = 0; d < result.GroupBy.Count; d++)
            {
                json.WriteString(Dimensions.Name(result.GroupBy[d]), result.DimensionColumns[d][r]);
            }

            foreach (var m in result.Metrics)
            {
                if (m.IsNull(r))
                {
                    json.WriteNull(m.Name);
                }
                else if (m.Kind == MetricValueKind.Integer)
                {
                    json.WriteNumber(m.Name, m.Values[r]);
                }
                else
                {
                    json.WriteString(m.Name, FixedPoint.ToString(m.Values[r], m.Decimals));
                }
            }

            json.WriteEndObject();
            if (json.BytesPending > 1 << 16)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }
}
