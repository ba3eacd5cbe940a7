using System.Buffers;
using System.Text;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Output;

/// <summary>
/// Writes a <see cref="QueryResult"/> as CSV (DESIGN 5): group-by columns then metrics, money with
/// 2 decimals, rates with 4, empty for null, LF line ends, RFC 4180 quoting where a value needs it.
/// </summary>
public static class CsvResultWriter
{
    private static readonly SearchValues<byte> s_needsQuotes = SearchValues.Create(",\"\r\n"u8);

    /// <summary>Writes the header and rows; <paramref name="leadingColumn"/> (name, value) prefixes every row when given.</summary>
    public static void Write(QueryResult result, Stream stream, bool header = true, (string Name, string Value)? leadingColumn = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var writer = new ArrayBufferWriter<byte>(1 << 16);
        if (header)
        {
            var first = true;
            if (leadingColumn is { } lead)
            {
                Field(writer, Encoding.UTF8.GetBytes(lead.Name), ref first);
            }

            foreach (var d in result.GroupBy)
            {
                Field(writer, Encoding.UTF8.GetBytes(Dimensions.Name(d)), ref first);
            }

            foreach (var m in result.Metrics)
            {
                Field(writer, Encoding.UTF8.GetBytes(m.Name), ref first);
            }

            writer.Write("\n"u8);
        }

        var leading = leadingColumn is { } l ? Encoding.UTF8.GetBytes(l.Value) : null;
        var dimensionBytes = result.DimensionColumns.Select(_ => new Dictionary<string, byte[]>(StringComparer.Ordinal)).ToArray();
        for (var r = 0; r < result.RowCount; r++)
        {
            var first = true;
            if (leading is not null)
            {
                Field(writer, leading, ref first);
            }

            for (var d = 0; d < result.DimensionColumns.Count; d++)
            {
                var value = result.DimensionColumns[d][r];
                if (!dimensionBytes[d].TryGetValue(value, out var bytes))
                {
                    bytes = Encoding.UTF8.GetBytes(value);
                    dimensionBytes[d][value] = bytes;
                }

                Field(writer, bytes, ref first);
            }

            foreach (var m in result.Metrics)
            {
                if (!first)
                {
                    writer.Write(","u8);
                }

                first = false;
                if (!m.IsNull(r))
                {
                    var span = writer.GetSpan(32);
                    writer.Advance(FixedPoint.Format(m.Values[r], m.Decimals, span));
                }
            }

            writer.Write("\n"u8);
            if (writer.WrittenCount > 1 << 20)
            {
                stream.Write(writer.WrittenSpan);
                writer.ResetWrittenCount();
            }
        }

        stream.Write(writer.WrittenSpan);
    }

    /// <summary>The result as a CSV string (tests, small answers).</summary>
    public static string ToCsv(QueryResult result)
    {
        using var ms = new MemoryStream();
        Write(result, ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Field(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> value, ref bool first)
    {
        if (!first)
        {
            writer.Write(","u8);
        }

        first = false;
        if (value.IndexOfAny(s_needsQuotes) < 0)
        {
            writer.Write(value);
            return;
        }

        writer.Write("\""u8);
        foreach (var b in value)
        {
            if (b == '"')
            {
                writer.Write("\"\""u8);
            }
            else
            {
                writer.GetSpan(1)[0] = b;
                writer.Advance(1);
            }
        }

        writer.Write("\""u8);
    }
}
