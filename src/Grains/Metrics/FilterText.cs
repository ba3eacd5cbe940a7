using System.Text;
using Pulso.Grains.Csv;

namespace Pulso.Grains.Metrics;

/// <summary>
/// The snapshot filter syntax of DESIGN 5: <c>dimension:v1,v2</c>, split at the first colon, the values one
/// RFC 4180 record (a value with a comma is quoted). Shared by the REST route and <c>pulso query</c>.
/// </summary>
public static class FilterText
{
    /// <summary>Parses repeated filters into dimension → values; false with a message naming the filter.</summary>
    public static bool TryParse(IEnumerable<string?> filters, out Dictionary<string, string[]> result, out string error)
    {
        ArgumentNullException.ThrowIfNull(filters);
        result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            var colon = filter?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon <= 0)
            {
                error = $"filter '{filter}' must be dimension:value1,value2";
                return false;
            }

            var dimension = filter![..colon].Trim();
            if (result.ContainsKey(dimension))
            {
                error = $"filter names dimension '{dimension}' twice";
                return false;
            }

            if (!TryValues(filter[(colon + 1)..], out var values, out error))
            {
                error = $"filter '{dimension}': {error}";
                return false;
            }

            result[dimension] = values;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryValues(string text, out string[] values, out string error)
    {
        values = [];
        error = string.Empty;
        try
        {
            using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), "filter");
            if (!reader.Read())
            {
                error = "no values";
                return false;
            }

            values = Enumerable.Range(0, reader.FieldCount).Select(i => Encoding.UTF8.GetString(reader.Field(i))).ToArray();
            if (reader.Read())
            {
                error = "values must be on one line";
                return false;
            }

            return true;
        }
        catch (CsvFormatException e)
        {
            error = e.Message.Replace("filter: line 1: ", string.Empty, StringComparison.Ordinal);
            return false;
        }
    }
}
