using Microsoft.AspNetCore.Builder;

namespace Pulso.Gateway.Auth;

/// <summary>What a route does to a tenant, one column group of DESIGN 5's roles table each.</summary>
public enum Access
{
    /// <summary>Snapshot as JSON; homologation, settings, sources, alerts and API keys read: every role.</summary>
    Read,

    /// <summary>Snapshot as CSV or Arrow, rejects (debtor ids): analysts, admins, operators.</summary>
    Export,

    /// <summary>Push ingest: admins (people or API keys); not operators.</summary>
    Ingest,

    /// <summary>Homologation, settings, sources, alerts and API keys written: admins and operators.</summary>
    Write,

    /// <summary>The tenant directory (list, create, delete tenants): operators only.</summary>
    Directory,
}

/// <summary>
/// Endpoint metadata declaring a route's access; <see cref="TenantAccess"/> enforces what this says, so the declaration
/// is the one source of truth (and the isolation tests read it to know what to expect).
/// </summary>
/// <param name="Level">The access the route needs.</param>
/// <param name="Export">
/// The access the route needs when it answers as an export (the snapshot as CSV or Arrow), when that differs.
/// </param>
public sealed record RouteAccess(Access Level, Access? Export = null)
{
    /// <summary>The roles DESIGN 5 lets through at <paramref name="level"/>.</summary>
    public static IReadOnlyList<string> Roles(Access level) => level switch
    {
        Access.Read => [TenantAccess.Viewer, TenantAccess.Analyst, TenantAccess.Admin, TenantAccess.Operator],
        Access.Export => [TenantAccess.Analyst, TenantAccess.Admin, TenantAccess.Operator],
        Access.Ingest => [TenantAccess.Admin],
        Access.Write => [TenantAccess.Admin, TenantAccess.Operator],
        Access.Directory => [TenantAccess.Operator],
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };
}

public static class RouteAccessExtensions
{
    /// <summary>Requires an authenticated caller and declares the route's <see cref="RouteAccess"/>.</summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, Access level, Access? export = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization().WithMetadata(new RouteAccess(level, export));
    }
}
