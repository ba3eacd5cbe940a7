using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Limits;
using Pulso.Grains.Abstractions.Metrics;

namespace Pulso.Gateway.Snapshots;

/// <summary><c>GET /api/v1/tenants/{tenant}/metrics</c>: the snapshot of DESIGN 5 as JSON, CSV or Arrow.</summary>
internal static class SnapshotApi
{
    public static RouteGroupBuilder MapSnapshotApi(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenant}/metrics", GetSnapshot)
            .RequireAccess(Access.Read, export: Access.Export)
            .WithName("GetMetricsSnapshot")
            .WithSummary("Metrics of a tenant for a date range, grouped and filtered, as JSON, CSV or Arrow");
        return tenants;
    }

    private static async Task<IResult> GetSnapshot(string tenant, HttpContext context, IClusterClient cluster, IOptions<QueryLimitOptions> limits)
    {
        if (!TenantAccess.TryResolve(context, tenant, out var authorized, out var problem))
        {
            return problem;
        }

        var format = Format(context.Request);
        if (format is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status406NotAcceptable, detail: "format must be json, csv or arrow (or Accept application/json, text/csv, application/vnd.apache.arrow.stream)");
        }

        if (format != "json" && !TenantAccess.TryResolve(context, tenant, out _, out problem, export: true))
        {
            return problem;
        }

        if (!SnapshotRequest.TryParse(context.Request.Query, out var query, out var error))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: error);
        }

        if (limits.Value.RangeProblem(query) is { } tooLong)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: tooLong);
        }

        QueryResultContract result;
        try
        {
            result = await cluster.GetGrain<IMetricQueryGrain>(0).Query(authorized, query);
        }
        catch (ArgumentException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: e.Message);
        }
        catch (KeyNotFoundException)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"no tenant '{tenant}'");
        }

        if (limits.Value.GroupsProblem(result.RowCount) is { } tooMany)
        {
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, detail: tooMany);
        }

        var ct = context.RequestAborted;
        switch (format)
        {
            case "csv":
                context.Response.ContentType = "text/csv; charset=utf-8";
                await SnapshotWriter.WriteCsvAsync(context.Response.Body, result, ct);
                break;
            case "arrow":
                context.Response.ContentType = "application/vnd.apache.arrow.stream";
                await SnapshotWriter.WriteArrowAsync(context.Response.Body, result, ct);
                break;
            default:
                context.Response.ContentType = "application/json; charset=utf-8";
                await SnapshotWriter.WriteJsonAsync(context.Response.Body, authorized, query, result, ct);
                break;
        }

        return Results.Empty;
    }

    private static string? Format(HttpRequest request)
    {
        var format = request.Query["format"].ToString();
        if (format.Length > 0)
        {
            return format is "json" or "csv" or "arrow" ? format : null;
        }

        var accept = request.Headers.Accept.ToString();
        if (accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return "csv";
        }

        return accept.Contains("application/vnd.apache.arrow.stream", StringComparison.OrdinalIgnoreCase) ? "arrow" : "json";
    }
}
