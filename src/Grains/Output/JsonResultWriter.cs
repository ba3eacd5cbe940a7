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

        // Names encoded once, columns read as arrays, fixed-point values formatted into a stack buffer: a snapshot of
        // thousands of rows is written without a string per value.
        var dimensionNames = result.GroupBy.Select(g => JsonEncodedText.Encode(Dimensions.Name(g))).ToArray();
        var metricNames = result.Metrics.Select(m => JsonEncodedText.Encode(m.Name)).ToArray();
        var values = result.Metrics.Select(m => m.Values as long[] ?? [.. m.Values]).ToArray();
        var nulls = result.Metrics.Select(m => m.Nulls is null ? null : m.Nulls as bool[] ?? [.. m.Nulls]).ToArray();
        var decimals = result.Metrics.Select(m => m.Decimals).ToArray();
        var text = new byte[32];
        for (var r = 0; r < result.RowCount; r++)
        {
            json.WriteStartObject();
            for (var d = 0; d < dimensionNames.Length; d++)
            {
                json.WriteString(dimensionNames[d], result.DimensionColumns[d][r]);
            }

            for (var m = 0; m < metricNames.Length; m++)
            {
                if (nulls[m] is { } isNull && isNull[r])
                {
                    json.WriteNull(metricNames[m]);
                }
                else if (decimals[m] == 0)
                {
                    json.WriteNumber(metricNames[m], values[m][r]);
                }
                else
                {
                    var length = FixedPoint.Format(values[m][r], decimals[m], text);
                    json.WriteString(metricNames[m], text.AsSpan(0, length));
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
