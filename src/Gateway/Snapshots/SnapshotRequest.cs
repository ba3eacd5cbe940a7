using System.Globalization;
using Microsoft.AspNetCore.Http;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Metrics;

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

        if (!FilterText.TryParse(query["filter"], out var filters, out error))
        {
            return false;
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
}
