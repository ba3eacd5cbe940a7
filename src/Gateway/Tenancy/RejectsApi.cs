using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tenancy;

/// <summary><c>GET /api/v1/tenants/{tenant}/rejects</c>: quarantined rows with their reasons (they hold debtor ids: analysts and admins).</summary>
internal static class RejectsApi
{
    public static RouteGroupBuilder MapRejectsApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/rejects", GetRejects).RequireAccess(Access.Export).WithName("GetRejects")
            .WithSummary("The most recent rejected rows (newest first; `limit` 1-10000, default 100) with reason, source, line and fields");
        return tenants;
    }

    private static async Task<IResult> GetRejects(string tenant, HttpContext context, IClusterClient cluster, int? limit)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        var count = limit ?? 100;
        if (count is < 1 or > 10_000)
        {
            return TenantAccess.Invalid("limit must be between 1 and 10000");
        }

        if (!await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var rows = await cluster.GetGrain<IIngestGrain>(GrainKeys.Ingest(id)).GetRejects(count);
        return Results.Json(new
        {
            tenant = id,
            rejects = rows.Select(r => new { kind = r.Kind, source = r.Source, line = r.Line, reason = r.Reason, fields = r.Fields, received_at = r.ReceivedAt }),
        });
    }
}
