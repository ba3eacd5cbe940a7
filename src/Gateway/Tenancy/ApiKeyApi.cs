using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tenancy;

/// <summary><c>GET, POST /api/v1/tenants/{tenant}/apikeys</c>, <c>DELETE …/apikeys/{id}</c>: machine keys, shown once.</summary>
internal static class ApiKeyApi
{
    public static RouteGroupBuilder MapApiKeyApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/apikeys", List).RequireAccess(Access.Read).WithName("ListApiKeys").WithSummary("The tenant's API keys (no secrets)");
        tenants.MapPost("/{tenant}/apikeys", Create).RequireAccess(Access.Write).Audited("POST apikeys").WithName("CreateApiKey")
            .WithSummary("Create an API key { name, role: admin|viewer }; the key is in this answer only");
        tenants.MapDelete("/{tenant}/apikeys/{id}", Revoke).RequireAccess(Access.Write).Audited("DELETE apikeys").WithName("RevokeApiKey").WithSummary("Revoke an API key");
        return tenants;
    }

    private static async Task<IResult> List(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        return Results.Json(new { tenant = id, keys = (await cluster.GetGrain<IApiKeyGrain>(GrainKeys.Tenant(id)).List()).Select(Describe) });
    }

    private static async Task<IResult> Create(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        CreateBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateBody>(context.Request.Body, JsonBodies.Options, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return TenantAccess.Invalid($"the body is not valid JSON of the form {{ \"name\", \"role\" }}: {e.Message}");
        }

        if (body?.Name is null || body.Role is null)
        {
            return TenantAccess.Invalid("name and role are required");
        }

        if (!await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        try
        {
            var created = await cluster.GetGrain<IApiKeyGrain>(GrainKeys.Tenant(id)).Create(body.Name, body.Role);
            return Results.Json(new { id = created.Info.Id, name = created.Info.Name, role = created.Info.Role, createdAt = created.Info.CreatedAt, key = created.Key }, statusCode: StatusCodes.Status201Created);
        }
        catch (ArgumentException e)
        {
            return TenantAccess.Invalid(e.Message);
        }
    }

    private static async Task<IResult> Revoke(string tenant, string id, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var owner, out var problem))
        {
            return problem;
        }

        return await cluster.GetGrain<IApiKeyGrain>(GrainKeys.Tenant(owner)).Revoke(id)
            ? Results.NoContent()
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no API key '{id}'");
    }

    private static object Describe(ApiKeyInfo k) => new { id = k.Id, name = k.Name, role = k.Role, createdAt = k.CreatedAt };

    private sealed record CreateBody([property: JsonPropertyName("name")] string? Name, [property: JsonPropertyName("role")] string? Role);
}
