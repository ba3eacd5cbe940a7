using System.Text;
using Pulso.Grains.Csv;

namespace Pulso.Grains.Ingestion;

/// <summary>Column positions of a CSV file, found by header name; a missing required column is an error naming it.</summary>
public sealed class CsvSchema
{
    private readonly Dictionary<string, int> _columns;

    private CsvSchema(Dictionary<string, int> columns, int fieldCount)
    {
        _columns = columns;
        FieldCount = fieldCount;
    }

    public int FieldCount { get; }

    public int this[string column] => _columns[column];

    public int IndexOf(string column) => _columns.TryGetValue(column, out var i) ? i : -1;

    /// <summary>Reads the header record of <paramref name="reader"/> and checks the required columns.</summary>
    public static CsvSchema ReadHeader(CsvReader reader, IReadOnlyList<string> required)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.Read())
        {
            throw new CsvFormatException($"{reader.SourceName}: the file is empty (expected a header with {string.Join(", ", required)})");
        }

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = Encoding.UTF8.GetString(reader.Field(i)).Trim();
            if (name.Length > 0 && !columns.TryAdd(name, i))
            {
                throw new CsvFormatException($"{reader.SourceName}: line {reader.Line}: column '{name}' appears twice in the header");
            }
        }

        var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            var found = string.Join(",", columns.OrderBy(c => c.Value).Select(c => c.Key));
            throw new CsvFormatException(
                $"{reader.SourceName}: missing column{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing)} (header has: {Truncate(found)})");
        }

        return new CsvSchema(columns, reader.FieldCount);
    }

    /// <summary>A schema from header names already read (a reader resumed in the middle of a file).</summary>
    public static CsvSchema FromHeader(IReadOnlyList<string> header, IReadOnlyList<string> required, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(header);
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Length > 0 && !columns.TryAdd(header[i], i))
            {
                throw new CsvFormatException($"{sourceName}: column '{header[i]}' appears twice in the header");
            }
        }

        var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
        return missing.Count > 0
            ? throw new CsvFormatException($"{sourceName}: missing column{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing)}")
            : new CsvSchema(columns, header.Count);
    }

    /// <summary>Throws when the current record's field count differs from the header's.</summary>
    public void CheckFieldCount(CsvReader reader)
    {
        if (reader.FieldCount != FieldCount)
        {
            throw new CsvFormatException($"{reader.SourceName}: line {reader.Line}: expected {FieldCount} fields as in the header, found {reader.FieldCount}");
        }
    }

    public IReadOnlyDictionary<string, string> FieldsOf(CsvReader reader) =>
        _columns.ToDictionary(c => c.Key, c => c.Value < reader.FieldCount ? Encoding.UTF8.GetString(reader.Field(c.Value)) : string.Empty, StringComparer.Ordinal);

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
