using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Tenancy;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Sources;

/// <summary>
/// <c>GET, PUT, DELETE /api/v1/tenants/{tenant}/sources/{name}</c>, <c>POST …/sources/{name}/sync</c>,
/// <c>GET …/sources/{name}/status</c> and <c>GET …/sources</c>: a tenant's data sources (DESIGN 6). Read: every role
/// of the tenant; write: admin (and operators). Secrets are accepted, never answered.
/// </summary>
internal static class SourcesApi
{
    public static RouteGroupBuilder MapSourcesApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/sources", List).RequireAccess(Access.Read).WithName("ListSources").WithSummary("The tenant's sources with their status");
        tenants.MapGet("/{tenant}/sources/{name}", Get).RequireAccess(Access.Read).WithName("GetSource")
            .WithSummary("A source's configuration (its secret masked) and status");
        tenants.MapPut("/{tenant}/sources/{name}", Put).RequireAccess(Access.Write, machines: true).Audited("PUT sources").WithName("PutSource")
            .WithSummary("Create or replace a source: postgres, mysql, bigquery, rest, soap, file (see the examples); starts it unless enabled is false")
            .Accepts<SourceBody>("application/json")
            .AddOpenApiOperationTransformer(SourceExamples.AddAsync);
        tenants.MapDelete("/{tenant}/sources/{name}", Delete).RequireAccess(Access.Write, machines: true).Audited("DELETE sources").WithName("DeleteSource")
            .WithSummary("Stop a source and forget its configuration, secret and watermark (figures already counted stay)");
        tenants.MapPost("/{tenant}/sources/{name}/sync", Sync).RequireAccess(Access.Write, machines: true).Audited("POST sources sync").WithName("SyncSource")
            .WithSummary("Pull now, without waiting for the poll interval or a back-off; answers the status after");
        tenants.MapGet("/{tenant}/sources/{name}/status", Status).RequireAccess(Access.Read).WithName("GetSourceStatus")
            .WithSummary("Rows, accepted, rejects by reason, lag, last error and the watermark of a source");
        return tenants;
    }

    private static async Task<IResult> List(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        var grain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        if (!await grain.Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var names = await grain.ListSources();
        var sources = await Task.WhenAll(names.Select(async n =>
        {
            var source = cluster.GetGrain<ISourceGrain>(GrainKeys.Source(id, n));
            var config = await source.GetConfig();
            return new { name = n, kind = config?.Kind, status = Describe(await source.GetStatus()) };
        }));
        return Results.Json(new { tenant = id, sources });
    }

    private static async Task<IResult> Get(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        if (!TryResolve(context, tenant, name, out var id, out var problem))
        {
            return problem;
        }

        if (await FindAsync(cluster, id, name) is not { } source)
        {
            return NoSource(name);
        }

        var config = await source.GetConfig();
        var status = await source.GetStatus();
        return config is null ? NoSource(name) : Results.Json(new { tenant = id, name, source = SourceBody.From(config, status.Running), status = Describe(status) }, JsonBodies.Options);
    }

    private static async Task<IResult> Put(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        if (!TryResolve(context, tenant, name, out var id, out var problem))
        {
            return problem;
        }

        SourceBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SourceBody>(context.Request.Body, JsonBodies.Options, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return TenantAccess.Invalid($"the body is not a valid source: {e.Message}");
        }

        if (body?.Kind is null)
        {
            return TenantAccess.Invalid($"kind is required: one of {string.Join(", ", SourceConfig.Kinds)}");
        }

        var tenantGrain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        if (!await tenantGrain.Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var source = cluster.GetGrain<ISourceGrain>(GrainKeys.Source(id, name));
        var existed = await source.GetConfig() is not null;

        // Recorded before it is configured: a deletion of the tenant then always finds it.
        await tenantGrain.AddSource(name);
        var problems = await source.Configure(body.ToConfig());
        if (problems.Count > 0)
        {
            if (!existed)
            {
                await tenantGrain.RemoveSource(name); // nothing was saved: the tenant has no such source
            }

            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: string.Join("; ", problems));
        }

        if (body.Enabled ?? true)
        {
            await source.Start();
        }
        else
        {
            await source.Stop();
        }

        var saved = await source.GetConfig();
        var answer = new { tenant = id, name, source = SourceBody.From(saved!, body.Enabled ?? true), status = Describe(await source.GetStatus()) };
        return existed ? Results.Json(answer, JsonBodies.Options) : Results.Json(answer, JsonBodies.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Delete(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        if (!TryResolve(context, tenant, name, out var id, out var problem))
        {
            return problem;
        }

        if (await FindAsync(cluster, id, name) is not { } source)
        {
            return NoSource(name);
        }

        await source.Purge();
        await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).RemoveSource(name);
        return Results.NoContent();
    }

    private static async Task<IResult> Sync(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        if (!TryResolve(context, tenant, name, out var id, out var problem))
        {
            return problem;
        }

        if (await FindAsync(cluster, id, name) is not { } source || await source.GetConfig() is null)
        {
            return NoSource(name);
        }

        return Results.Json(new { tenant = id, name, status = Describe(await source.PollNow()) });
    }

    private static async Task<IResult> Status(string tenant, string name, HttpContext context, IClusterClient cluster)
    {
        if (!TryResolve(context, tenant, name, out var id, out var problem))
        {
            return problem;
        }

        if (await FindAsync(cluster, id, name) is not { } source || await source.GetConfig() is null)
        {
            return NoSource(name);
        }

        return Results.Json(new { tenant = id, name, status = Describe(await source.GetStatus()) });
    }

    /// <summary>The tenant (DESIGN 5's answers) and a valid source name (400 naming the rule).</summary>
    private static bool TryResolve(HttpContext context, string tenant, string name, out string id, out IResult problem)
    {
        if (!TenantAccess.TryResolve(context, tenant, out id, out var denied))
        {
            problem = denied;
            return false;
        }

        problem = Results.Empty;

        try
        {
            _ = GrainKeys.Source(id, name);
            return true;
        }
        catch (ArgumentException e)
        {
            problem = TenantAccess.Invalid(e.Message.Split(" (Parameter", 2)[0]);
            return false;
        }
    }

    /// <summary>The source grain when the tenant exists and lists the source; null otherwise.</summary>
    private static async Task<ISourceGrain?> FindAsync(IClusterClient cluster, string tenant, string name)
    {
        var tenantGrain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        return await tenantGrain.Exists() && (await tenantGrain.ListSources()).Contains(name, StringComparer.Ordinal)
            ? cluster.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name))
            : null;
    }

    private static IResult NoSource(string name) => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no source '{name}'");

    private static object Describe(SourceStatus s) => new
    {
        running = s.Running,
        rows = s.Rows,
        accepted = s.Accepted,
        rejected = s.Rejected,
        batches = s.Batches,
        lagSeconds = Math.Round(s.LagSeconds, 3),
        lastError = s.LastError,
        lastPollAt = s.LastPollAt,
        consecutiveFailures = s.ConsecutiveFailures,
        nextAttemptAt = s.NextAttemptAt,
        watermark = s.Watermark,
    };
}
