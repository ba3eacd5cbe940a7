using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tenancy;

/// <summary>
/// The audit log of admin actions: routes marked <see cref="Audited{TBuilder}"/> append who did what to which
/// tenant with which outcome (refusals for the wrong role included; answers for another tenant are not the
/// tenant's business and are not written to it). <c>GET /api/v1/tenants/{tenant}/audit</c> reads it (admin, operator).
/// </summary>
internal static partial class AuditApi
{
    public const int MaxLimit = 1_000;

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/audit", List).RequireAccess(Access.Write).WithName("GetAuditLog")
            .WithSummary($"The tenant's audit log of admin actions, newest first (`limit`, default 100, at most {MaxLimit}; admin, operator)");
        return tenants;
    }

    /// <summary>Records each call of the route in the audit log of the tenant it names, as <paramref name="action"/>.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var result = await next(invocation);
            await RecordAsync(invocation.HttpContext, action, result);
            return result;
        });

    private static async Task<IResult> List(string tenant, HttpContext context, IClusterClient cluster, int? limit)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        var take = limit ?? 100;
        if (take is < 1 or > MaxLimit)
        {
            return TenantAccess.Invalid($"limit must be between 1 and {MaxLimit}");
        }

        if (!await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var entries = await cluster.GetGrain<IAuditGrain>(GrainKeys.Tenant(id)).List(take);
        return Results.Json(new
        {
            tenant = id,
            entries = entries.Select(e => new { at = e.At, actor = e.Actor, role = e.Role, action = e.Action, target = e.Target, status = e.Status }),
        });
    }

    private static async Task RecordAsync(HttpContext context, string action, object? result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : context.Response.StatusCode;
        var routeTenant = context.GetRouteValue("tenant") as string;
        var tenant = routeTenant is null ? null : context.User.AuthorizedTenant(routeTenant);
        if (tenant is null || status is StatusCodes.Status401Unauthorized or StatusCodes.Status404NotFound)
        {
            return;
        }

        var entry = new AuditEntry(
            DateTimeOffset.UtcNow,
            context.User.FindFirst("sub")?.Value ?? "unknown",
            context.Role() ?? "none",
            action,
            context.Request.Path.Value ?? string.Empty,
            status);
        try
        {
            await context.RequestServices.GetRequiredService<IClusterClient>().GetGrain<IAuditGrain>(GrainKeys.Tenant(tenant)).Append(entry);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The action has happened; failing its answer now would invite a retry of something already done.
            LogAuditFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Pulso.Gateway.Audit"), e, tenant, action, status);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry lost for tenant {Tenant}: {Action} answered {Status}")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception, string tenant, string action, int status);
}
