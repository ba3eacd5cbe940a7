using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Tenancy;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Alerts;

/// <summary>
/// <c>GET …/alerts</c>, <c>GET …/alerts/history</c>, <c>GET, PUT, DELETE …/alerts/{name}</c>: a tenant's alert rules
/// (read: every role of the tenant; write: admin), their firing groups and the history of firing and resolving.
/// </summary>
internal static class AlertApi
{
    public const int MaxHistoryLimit = 1_000;

    /// <summary>A rule is small; anything larger is refused before it is parsed.</summary>
    private const int MaxRuleBytes = 64 << 10;

    public static RouteGroupBuilder MapAlertApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/alerts", List).RequireAccess(Access.Read).WithName("ListAlerts")
            .WithSummary("The tenant's alert rules with the groups firing now (Slack and webhook URLs show their origin only; secrets never)");
        tenants.MapGet("/{tenant}/alerts/history", History).RequireAccess(Access.Read).WithName("GetAlertHistory")
            .WithSummary($"Firing, resolved and undelivered events, newest first (`limit`, default 100, at most {MaxHistoryLimit})");
        tenants.MapGet("/{tenant}/alerts/{name}", Get).RequireAccess(Access.Read).WithName("GetAlert").WithSummary("One alert rule and its firing groups");
        tenants.MapPut("/{tenant}/alerts/{name}", Put).RequireAccess(Access.Write).Audited("PUT alerts").WithName("PutAlert")
            .WithSummary("Create or replace an alert rule (admin): { metric, scope: tenant|ejecutivo|canal, comparator: lt|lte|gt|gte, threshold, "
                + "window: today|hours, hours, minGestiones, cooldownMinutes, enabled, channels: [ {type: email, to} | {type: slack, url} | {type: webhook, url, secret} ] }");
        tenants.MapDelete("/{tenant}/alerts/{name}", Delete).RequireAccess(Access.Write).Audited("DELETE alerts").WithName("DeleteAlert")
            .WithSummary("Delete an alert rule (admin); notifications it already fired are still delivered");
        return tenants;
    }

    private static async Task<IResult> List(string tenant, HttpContext context, IClusterClient cluster)
    {
        var (id, problem) = await ResolveAsync(context, cluster, tenant);
        if (problem is not null)
        {
            return problem;
        }

        var rules = await cluster.GetGrain<IAlertGrain>(GrainKeys.Tenant(id!)).List();
        return Results.Json(new { tenant = id, alerts = rules.Select(AlertBody.Describe) });
    }

    private static async Task<IResult> History(string tenant, HttpContext context, IClusterClient cluster, int? limit)
    {
        var (id, problem) = await ResolveAsync(context, cluster, tenant);
        if (problem is not null)
        {
            return problem;
        }

        var take = limit ?? 100;
        if (take is < 1 or > MaxHistoryLimit)
        {
            return TenantAccess.Invalid($"limit must be between 1 and {MaxHistoryLimit}");
        }

        var events = await cluster.GetGrain<IAlertGrain>(GrainKeys.Tenant(id!)).History(take);
        return Results.Json(new { tenant = id, events = events.Select(AlertBody.Describe) });
    }

    private static async Task<IResult> Get(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        var (id, problem) = await ResolveAsync(context, cluster, tenant);
        if (problem is not null)
        {
            return problem;
        }

        var view = await cluster.GetGrain<IAlertGrain>(GrainKeys.Tenant(id!)).Get(name);
        return view is null ? NoRule(name) : Results.Json(new { tenant = id, alert = AlertBody.Describe(view) });
    }

    private static async Task<IResult> Put(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        var (id, problem) = await ResolveAsync(context, cluster, tenant);
        if (problem is not null)
        {
            return problem;
        }

        if (context.Request.ContentLength > MaxRuleBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"a rule is at most {MaxRuleBytes} bytes");
        }

        JsonElement body;
        try
        {
            using var limited = new MemoryStream();
            await context.Request.Body.CopyToAsync(limited, context.RequestAborted);
            if (limited.Length > MaxRuleBytes)
            {
                return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"a rule is at most {MaxRuleBytes} bytes");
            }

            body = JsonSerializer.Deserialize<JsonElement>(limited.ToArray(), JsonBodies.Options);
        }
        catch (JsonException e)
        {
            return TenantAccess.Invalid($"the body is not valid JSON: {e.Message}");
        }

        var problems = new List<string>();
        var rule = AlertBody.Parse(name, body, problems);
        if (rule is null)
        {
            return TenantAccess.Invalid(string.Join("; ", problems));
        }

        var grain = cluster.GetGrain<IAlertGrain>(GrainKeys.Tenant(id!));
        var saved = await grain.Put(rule);
        if (saved.Problems.Count > 0)
        {
            return TenantAccess.Invalid(string.Join("; ", saved.Problems));
        }

        var view = await grain.Get(name);
        var answer = new { tenant = id, alert = AlertBody.Describe(view!) };
        return saved.Created ? Results.Json(answer, statusCode: StatusCodes.Status201Created) : Results.Json(answer);
    }

    private static async Task<IResult> Delete(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        var (id, problem) = await ResolveAsync(context, cluster, tenant);
        if (problem is not null)
        {
            return problem;
        }

        return await cluster.GetGrain<IAlertGrain>(GrainKeys.Tenant(id!)).Delete(name) ? Results.NoContent() : NoRule(name);
    }

    /// <summary>The caller's tenant (roles as DESIGN 5 says, and the tenant must exist), or the problem to answer.</summary>
    private static async Task<(string? Tenant, IResult? Problem)> ResolveAsync(HttpContext context, IClusterClient cluster, string tenant)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return (null, problem);
        }

        return await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).Exists() ? (id, null) : (null, TenantAccess.NotFound(tenant));
    }

    private static IResult NoRule(string name) => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no alert rule '{name}'");
}
