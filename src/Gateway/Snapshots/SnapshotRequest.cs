using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Csv;

namespace Pulso.Gateway.Snapshots;

/// <summary>The snapshot query string of DESIGN 5 parsed into a query; errors name the parameter.</summary>
public static class SnapshotRequest
{
    public static bool TryParse(IQueryCollection query, out MetricQueryContract result, out string error)
    {
        ArgumentNullException.ThrowIfNull(query);
        result = null!;
        if (!TryDate(query, "from", out var from, out error) || !TryDate(query, "to", out var to, out error))
        {
            return false;
        }

        if (from > to)
        {
            error = $"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd})";
            return false;
        }

        var filters = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var filter in query["filter"])
        {
            var colon = filter?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon <= 0)
            {
                error = $"filter '{filter}' must be dimension:value1,value2";
                return false;
            }

            var dimension = filter![..colon].Trim();
            if (filters.ContainsKey(dimension))
            {
                error = $"filter names dimension '{dimension}' twice";
                return false;
            }

            if (!TryValues(filter[(colon + 1)..], out var values, out error))
            {
                error = $"filter '{dimension}': {error}";
                return false;
            }

            filters[dimension] = values;
        }

        result = new MetricQueryContract(from, to, List(query["groupBy"]), List(query["metrics"]), filters);
        error = string.Empty;
        return true;
    }

    private static bool TryDate(IQueryCollection query, string name, out DateOnly date, out string error)
    {
        var text = query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            date = default;
            error = $"{name} is required (YYYY-MM-DD)";
            return false;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            error = $"{name} '{text}' is not a date YYYY-MM-DD";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static string[] List(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    /// <summary>The values of a filter are one RFC 4180 record: a value with a comma is quoted.</summary>
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
