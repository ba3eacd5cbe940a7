using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using Pulso.Gateway.Health;
using Scalar.AspNetCore;
using Pulso.Gateway.Alerts;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Dashboard;
using Pulso.Gateway.Ingest;
using Pulso.Gateway.Limits;
using Pulso.Gateway.Live;
using Pulso.Gateway.Observability;
using Pulso.Gateway.Snapshots;
using Pulso.Gateway.Sources;
using Pulso.Gateway.Tenancy;

namespace Pulso.Gateway.Hosting;

/// <summary>Registration of the HTTP edge; co-hosted in a silo or in a process of its own with an Orleans client.</summary>
public static class GatewayExtensions
{
    // The largest body of a route other than push ingest: a homologation of some hundred thousand rules.
    private const long AdminBodyBytes = 8 << 20;

    public static IHostApplicationBuilder AddPulsoGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPulsoAuth();
        builder.AddPulsoIngest();
        builder.AddPulsoLimits();
        builder.AddPulsoLive();
        builder.AddPulsoTelemetry();
        // The request-start log carries the query string, where browsers put SignalR tokens: never below Warning.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        // Kestrel binds its endpoints from configuration but not its limits: Kestrel:Limits:* are bound here.
        builder.Services.Configure<KestrelServerOptions>(o => builder.Configuration.GetSection("Kestrel:Limits").Bind(o.Limits));

        // Only the pulso_* series and the process basics: the default runtime gauges fail promtool's lint.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressProcessMetrics = false, SuppressDebugMetrics = true });
        builder.Services.AddProblemDetails();
        // Answers quote input back (a refused value in a detail, a key's name): HTML-sensitive characters (and '+') are
        // written as \uXXXX, which the relaxed encoder ASP.NET Core uses by default does not do; other Unicode stays as it is.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
        builder.Services.AddOpenApi("v1");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section)
            .Validate(o => o.ReadyGraceSeconds is >= 0 and <= 300, $"{HealthOptions.Section}:ReadyGraceSeconds must be 0..300")
            .ValidateOnStart();
        // One instance for the host's life: it remembers the last success.
        builder.Services.AddSingleton<ClusterReadiness>();
        builder.Services.AddHealthChecks().AddCheck<ClusterReadiness>("cluster", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapPulsoGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => BodylessStatus(context.HttpContext));
        app.UsePulsoDashboard();
        app.UseAuthentication();
        app.UseTenantLogScope();
        app.UseAuthorization();
        // Requests by route pattern, method and status (http_request_duration_seconds, http_requests_received_total).
        app.UseHttpMetrics();
        app.UseRateLimiter();
        app.MapGet("/healthz", () => Results.Text("ok")).WithName("Liveness").ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithTitle("Pulso API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapMetrics("/metrics");
        app.MapGroup("/api/v1/tenants").RequireRateLimiting(RateLimiting.TenantPolicy).WithBodyGuard(AdminBodyBytes)
            .MapSnapshotApi().MapTenantApi().MapApiKeyApi().MapRejectsApi().MapAuditApi().MapAlertApi().MapSourcesApi();
        app.MapGroup("/api/v1/tenants").RequireRateLimiting(RateLimiting.TenantPolicy).MapIngestApi();
        app.MapHub<MetricsHub>("/hubs/metrics");
        return app;
    }

    // Answers without a body (a challenge, an unknown route) as problem+json whatever the Accept header asks for:
    // the default page falls back to text/plain when a client accepts only text/csv or Arrow.
    private static Task BodylessStatus(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status401Unauthorized => $"credentials are missing or not valid: send Authorization: Bearer <token> or {ApiKeyAuthenticationHandler.Header}",
            StatusCodes.Status404NotFound => $"no route {context.Request.Path}",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
            _ => null,
        };
        return TypedResults.Problem(statusCode: status, detail: detail).ExecuteAsync(context);
    }
}
