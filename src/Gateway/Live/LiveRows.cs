using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Gateway.Live;

/// <summary>One row of a live view: its group key, its JSON object (as the REST snapshot writes it) and a fingerprint of its figures.</summary>
internal sealed record LiveRow(string Key, Dictionary<string, object?> Values, Dictionary<string, object?> Dimensions, string Fingerprint);

/// <summary>
/// <c>snapshot(subscriptionId, { version, rows })</c>. The rows are JSON made once per view change and shared by every
/// subscriber of the view: only the version differs between their messages, so serialising is a copy.
/// </summary>
internal sealed record SnapshotMessage(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("rows")] RawJson Rows);

/// <summary><c>update(subscriptionId, { version, rows, removed })</c>: changed or new rows, and the groups that are gone.</summary>
internal sealed record UpdateMessage(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("rows")] RawJson Rows,
    [property: JsonPropertyName("removed")] RawJson Removed);

/// <summary>
/// JSON text made once (UTF-8) and written as it is into every message that carries it: a copy of bytes per
/// subscriber, where a <see cref="JsonElement"/> would be walked and re-encoded token by token each time.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
internal sealed class RawJson(byte[] utf8)
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;
}

/// <summary>Writes <see cref="RawJson"/> verbatim (it was made by the serialiser, so it is not validated again); never read.</summary>
internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("live messages are only written");

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}

internal static class LiveRows
{
    /// <summary>Rows as one JSON array, made once and shared by all the messages that carry them.</summary>
    public static RawJson Json(IEnumerable<Dictionary<string, object?>> rows) => new(JsonSerializer.SerializeToUtf8Bytes(rows));

    /// <summary>The rows of a result keyed by their group, valued as in the JSON snapshot (counts numbers, money and rates exact strings).</summary>
    public static Dictionary<string, LiveRow> From(QueryResult result)
    {
        var rows = new Dictionary<string, LiveRow>(result.RowCount, StringComparer.Ordinal);
        var key = new StringBuilder();
        var fingerprint = new StringBuilder();
        for (var r = 0; r < result.RowCount; r++)
        {
            key.Clear();
            fingerprint.Clear();
            var dimensions = new Dictionary<string, object?>(result.GroupBy.Count, StringComparer.Ordinal);
            var values = new Dictionary<string, object?>(result.GroupBy.Count + result.Metrics.Count, StringComparer.Ordinal);
            for (var d = 0; d < result.GroupBy.Count; d++)
            {
                var value = result.DimensionColumns[d][r];
                dimensions[Dimensions.Name(result.GroupBy[d])] = value;
                values[Dimensions.Name(result.GroupBy[d])] = value;
                key.Append(value).Append('\u001f');
            }

            foreach (var metric in result.Metrics)
            {
                object? value = metric.IsNull(r) ? null
                    : metric.Kind == MetricValueKind.Integer ? metric.Values[r]
                    : FixedPoint.ToString(metric.Values[r], metric.Decimals);
                values[metric.Name] = value;
                fingerprint.Append(metric.IsNull(r) ? "~" : metric.Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('|');
            }

            var k = key.ToString();
            rows[k] = new LiveRow(k, values, dimensions, fingerprint.ToString());
        }

        return rows;
    }
}
