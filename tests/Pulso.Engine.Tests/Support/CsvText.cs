using System.Text;
using Pulso.Grains.Csv;

namespace Pulso.Engine.Tests.Support;

/// <summary>Writing CSV fields the RFC 4180 way and reading records back, for building inputs and checking outputs.</summary>
internal static class CsvText
{
    public static string Field(string value, bool forceQuotes = false)
    {
        var needs = forceQuotes || value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        return needs ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Line(params string[] fields) => string.Join(",", fields.Select(f => Field(f)));

    public static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>Every record of <paramref name="bytes"/> with the line it starts on.</summary>
    public static List<(long Line, string[] Fields)> Records(byte[] bytes, int bufferSize = 1 << 20)
    {
        var records = new List<(long, string[])>();
        using var reader = new CsvReader(new MemoryStream(bytes), "test.csv", bufferSize: bufferSize);
        while (reader.Read())
        {
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = Encoding.UTF8.GetString(reader.Field(i));
            }

            records.Add((reader.Line, fields));
        }

        return records;
    }

    public static List<(long Line, string[] Fields)> Records(string text) => Records(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// A snapshot filter as the gateway receives it (DESIGN 5): <c>dimension:v1,v2</c>, split at the first
    /// colon, the values being RFC 4180 fields.
    /// </summary>
    public static (string Dimension, string[] Values) Filter(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var values = Records(text[(colon + 1)..]);
        return (text[..colon], Assert.Single(values).Fields);
    }
}
