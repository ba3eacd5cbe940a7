using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using Pulso.Gateway.Health;
using Scalar.AspNetCore;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Ingest;
using Pulso.Gateway.Limits;
using Pulso.Gateway.Live;
using Pulso.Gateway.Snapshots;
using Pulso.Gateway.Sources;
using Pulso.Gateway.Tenancy;

namespace Pulso.Gateway.Hosting;

/// <summary>Registration of the HTTP edge; co-hosted in a silo or in a process of its own with an Orleans client.</summary>
public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddPulsoGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPulsoAuth();
        builder.AddPulsoIngest();
        builder.AddPulsoLimits();
        builder.AddPulsoLive();
        // The request-start log carries the query string, where browsers put SignalR tokens: never below Warning.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        // Kestrel binds its endpoints from configuration but not its limits: Kestrel:Limits:* are bound here.
        builder.Services.Configure<KestrelServerOptions>(o => builder.Configuration.GetSection("Kestrel:Limits").Bind(o.Limits));

        // Only the pulso_* series and the process basics: the default runtime gauges fail promtool's lint.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressProcessMetrics = false, SuppressDebugMetrics = true });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1");
        builder.Services.AddHealthChecks().AddCheck<ClusterReadiness>("cluster", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapPulsoGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGet("/healthz", () => Results.Text("ok")).WithName("Liveness").ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithTitle("Pulso API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapMetrics("/metrics");
        app.MapGroup("/api/v1/tenants").RequireRateLimiting(RateLimiting.TenantPolicy).MapSnapshotApi().MapTenantApi().MapApiKeyApi().MapRejectsApi().MapAuditApi().MapSourcesApi();
        app.MapGroup("/api/v1/tenants").RequireRateLimiting(RateLimiting.TenantPolicy).MapIngestApi();
        app.MapHub<MetricsHub>("/hubs/metrics");
        return app;
    }
}
