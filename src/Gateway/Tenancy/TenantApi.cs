using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;

namespace Pulso.Gateway.Tenancy;

/// <summary>Tenant admin (operators), tenant settings and homologation (DESIGN 5).</summary>
internal static class TenantApi
{
    private const int MaxHomologationBytes = 8 << 20;

    public static RouteGroupBuilder MapTenantApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/", ListTenants).RequireAccess(Access.Directory).WithName("ListTenants").WithSummary("Every tenant id (operator)");
        tenants.MapPost("/", CreateTenant).RequireAccess(Access.Directory).WithName("CreateTenant").WithSummary("Create a tenant (operator): { tenant, displayName, timeZone, retentionDays, metrics }");
        tenants.MapGet("/{tenant}", GetTenant).RequireAccess(Access.Read).WithName("GetTenant").WithSummary("A tenant's settings");
        tenants.MapPut("/{tenant}", PutTenant).RequireAccess(Access.Write).Audited("PUT settings").WithName("PutTenant").WithSummary("Replace a tenant's settings (admin)");
        tenants.MapDelete("/{tenant}", DeleteTenant).RequireAccess(Access.Directory).WithName("DeleteTenant").WithSummary("Delete a tenant (operator)");
        tenants.MapGet("/{tenant}/homologation", GetHomologation).RequireAccess(Access.Read).WithName("GetHomologation")
            .WithSummary("The homologation, and the unmapped raw tipificaciones seen in the last `days` days (default 30) with counts");
        tenants.MapPut("/{tenant}/homologation", PutHomologation).RequireAccess(Access.Write).Audited("PUT homologation").WithName("PutHomologation")
            .WithSummary("Replace the homologation: text/csv (tipificacion,categoria,es_contacto,es_compromiso[,cliente]) or a JSON array");
        return tenants;
    }

    private static async Task<IResult> ListTenants(HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryAuthorize(context, out var problem))
        {
            return problem;
        }

        var tenants = await cluster.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List();
        return Results.Json(new { tenants });
    }

    private static async Task<IResult> CreateTenant(HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryAuthorize(context, out var problem))
        {
            return problem;
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, JsonBodies.Options, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return TenantAccess.Invalid($"the body is not valid JSON: {e.Message}");
        }

        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("tenant", out var id) || id.ValueKind != JsonValueKind.String)
        {
            return TenantAccess.Invalid("the body must be an object with a string field 'tenant'");
        }

        var tenant = id.GetString()!;
        if (!GrainKeys.IsTenantId(tenant))
        {
            return TenantAccess.Invalid($"tenant '{tenant}' is not a valid id (^[a-z0-9][a-z0-9-]{{1,62}}$)");
        }

        var settingsJson = new Dictionary<string, JsonElement>();
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name != "tenant")
            {
                settingsJson[property.Name] = property.Value;
            }
        }

        if (!TryParse(JsonSerializer.Serialize(settingsJson), out var settings, out var error))
        {
            return TenantAccess.Invalid(error);
        }

        try
        {
            var created = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).Create(settings!.ToSettings(tenant));
            return created
                ? Results.Created($"/api/v1/tenants/{tenant}", new { tenant })
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, detail: $"tenant '{tenant}' exists");
        }
        catch (ArgumentException e)
        {
            return TenantAccess.Invalid(e.Message);
        }
    }

    private static async Task<IResult> GetTenant(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        var settings = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).GetSettings();
        return settings is null ? TenantAccess.NotFound(tenant) : Results.Json(new { tenant = id, settings = TenantSettingsBody.From(settings) });
    }

    private static async Task<IResult> PutTenant(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        if (!TryParse(await reader.ReadToEndAsync(context.RequestAborted), out var body, out var error))
        {
            return TenantAccess.Invalid(error);
        }

        var grain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        if (!await grain.Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var problems = await grain.UpdateSettings(body!.ToSettings(id));
        return problems.Count > 0 ? TenantAccess.Invalid(string.Join("; ", problems)) : Results.Json(new { tenant = id, settings = body });
    }

    private static async Task<IResult> DeleteTenant(string tenant, HttpContext context, IClusterClient cluster)
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

        await grain.Delete();
        return Results.NoContent();
    }

    private static async Task<IResult> GetHomologation(string tenant, HttpContext context, IClusterClient cluster, int? days)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        var span = days ?? 30;
        if (span is < 1 or > 400)
        {
            return TenantAccess.Invalid("days must be between 1 and 400");
        }

        var grain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        if (!await grain.Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var rules = await grain.GetHomologation();
        var today = await grain.Today();
        var unmapped = await cluster.GetGrain<IMetricQueryGrain>(0).Query(id, new MetricQueryContract(
            today.AddDays(1 - span), today, ["tipificacion"], ["total_gestiones"],
            new Dictionary<string, string[]> { ["categoria"] = [HomologationTable.SinHomologar] }));
        return Results.Json(new
        {
            tenant = id,
            rules = rules.Select(r => new HomologationRuleBody(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)),
            unmapped = Enumerable.Range(0, unmapped.RowCount).Select(r => new { tipificacion = unmapped.DimensionColumns[0][r], count = unmapped.Metrics[0].Values[r] }),
            unmappedDays = span,
        });
    }

    private static async Task<IResult> PutHomologation(string tenant, HttpContext context, IClusterClient cluster)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var id, out var problem))
        {
            return problem;
        }

        List<HomologationRuleContract> rules;
        var contentType = context.Request.ContentType ?? string.Empty;
        try
        {
            if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
            {
                // A homologation is small: read it (bounded) before the synchronous CSV reader parses it.
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                if (buffer.Length > MaxHomologationBytes)
                {
                    return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"a homologation is at most {MaxHomologationBytes} bytes");
                }

                buffer.Position = 0;
                using var reader = new CsvReader(buffer, "homologation", leaveOpen: true);
                var byCliente = HomologationCsv.Read(reader);
                var foreign = byCliente.Keys.FirstOrDefault(k => k.Length > 0 && k != id);
                if (foreign is not null)
                {
                    return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, detail: $"a row names cliente '{foreign}', not '{id}'");
                }

                rules = byCliente.Values.SelectMany(r => r).Select(r => new HomologationRuleContract(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)).ToList();
            }
            else if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                var body = await JsonSerializer.DeserializeAsync<List<HomologationRuleBody>>(context.Request.Body, JsonBodies.Options, context.RequestAborted);
                if (body is null || body.Any(r => r is null || r.Tipificacion is null || r.Categoria is null))
                {
                    return TenantAccess.Invalid("the body must be a JSON array of { tipificacion, categoria, es_contacto, es_compromiso }");
                }

                rules = body.Select(r => new HomologationRuleContract(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)).ToList();
            }
            else
            {
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: "send text/csv or application/json");
            }
        }
        catch (CsvFormatException e)
        {
            return TenantAccess.Invalid(e.Message);
        }
        catch (JsonException e)
        {
            return TenantAccess.Invalid($"the body is not a valid JSON array of rules: {e.Message}");
        }

        var grain = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        if (!await grain.Exists())
        {
            return TenantAccess.NotFound(tenant);
        }

        var problems = await grain.SetHomologation(rules);
        return problems.Count > 0 ? TenantAccess.Invalid(string.Join("; ", problems)) : Results.Json(new { tenant = id, rules = rules.Count });
    }

    private static bool TryParse(string json, out TenantSettingsBody? body, out string error)
    {
        try
        {
            body = JsonSerializer.Deserialize<TenantSettingsBody>(json, JsonBodies.Options);
            error = body is null ? "the body must be a JSON object of settings" : string.Empty;
            return body is not null;
        }
        catch (JsonException e)
        {
            body = null;
            error = $"the settings are not valid: {e.Message}";
            return false;
        }
    }
}
