using System.Globalization;
using System.Text.RegularExpressions;

namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>
/// The one place that builds grain keys. Every key starts with a validated tenant id, so no input
/// can address another tenant's grains: <c>tenant</c>, <c>tenant/yyyy-MM-dd</c>, <c>tenant/source</c>.
/// </summary>
public static partial class GrainKeys
{
    /// <summary>Whether <paramref name="tenant"/> is a valid tenant id (<c>^[a-z0-9][a-z0-9-]{1,62}$</c>).</summary>
    public static bool IsTenantId(string? tenant) => tenant is not null && TenantPattern().IsMatch(tenant);

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="tenant"/> is not a valid tenant id.</summary>
    public static string RequireTenant(string? tenant) =>
        IsTenantId(tenant) ? tenant! : throw new ArgumentException($"'{tenant}' is not a valid tenant id (lower-case letters, digits and '-', 2 to 63 characters, not starting with '-')", nameof(tenant));

    public static string Tenant(string tenant) => RequireTenant(tenant);

    public static string Day(string tenant, DateOnly day) =>
        $"{RequireTenant(tenant)}/{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    public static string Source(string tenant, string source)
    {
        if (!SourcePattern().IsMatch(source ?? string.Empty))
        {
            throw new ArgumentException($"'{source}' is not a valid source name (letters, digits, '-', '_' and '.', 1 to 64 characters)", nameof(source));
        }

        return $"{RequireTenant(tenant)}/{source}";
    }

    /// <summary>The tenant's push ingest grain: <c>tenant/push</c>.</summary>
    public static string Ingest(string tenant) => $"{RequireTenant(tenant)}/push";

    /// <summary>Splits a day key back into its tenant and day.</summary>
    public static (string Tenant, DateOnly Day) ParseDay(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !DateOnly.TryParseExact(key.AsSpan(slash + 1), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            throw new ArgumentException($"'{key}' is not a day key", nameof(key));
        }

        return (RequireTenant(key[..slash]), day);
    }

    /// <summary>The tenant and day of a day key; false for any other key.</summary>
    public static bool TryParseDay(string key, out string tenant, out DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        tenant = slash < 0 ? string.Empty : key[..slash];
        day = default;
        return slash > 0 && IsTenantId(tenant)
            && DateOnly.TryParseExact(key.AsSpan(slash + 1), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    /// <summary>The tenant part of any key.</summary>
    public static string TenantOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return RequireTenant(slash < 0 ? key : key[..slash]);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();
}
