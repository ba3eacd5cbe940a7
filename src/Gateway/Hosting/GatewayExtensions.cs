using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;
using Pulso.Gateway.Auth;
using Pulso.Gateway.Snapshots;
using Pulso.Gateway.Tenancy;

namespace Pulso.Gateway.Hosting;

/// <summary>Registration of the HTTP edge; co-hosted in a silo or in a process of its own with an Orleans client.</summary>
public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddPulsoGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPulsoAuth();

        // Only the pulso_* series and the process basics: the default runtime gauges fail promtool's lint.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressProcessMetrics = false, SuppressDebugMetrics = true });
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication MapPulsoGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/healthz", () => Results.Text("ok")).WithName("Liveness");
        app.MapMetrics("/metrics");
        app.MapGroup("/api/v1/tenants").MapSnapshotApi().MapTenantApi();
        return app;
    }
}
