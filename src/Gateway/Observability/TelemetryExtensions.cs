using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pulso.Gateway.Auth;
using Pulso.Grains.Observability;

namespace Pulso.Gateway.Observability;

/// <summary>
/// Traces and structured logs of a silo or a gateway. Traces (OpenTelemetry) follow a request from ASP.NET Core
/// through every grain call it makes (Orleans activity propagation, on in silos and clients) and are exported over
/// OTLP when <c>Pulso:Telemetry:OtlpEndpoint</c> is set; with it unset nothing is recorded. Logs carry the trace and
/// span ids and, inside a tenant's request or grain call, a <c>Tenant</c> scope; <c>LogFormat=json</c> writes them as
/// one JSON object a line.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The Orleans source of application grain calls (<c>Orleans.Diagnostics.ActivitySources</c>).</summary>
    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";

    public static IHostApplicationBuilder AddPulsoTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new OptionsValidationException("Pulso", typeof(TelemetryOptions), problems);
        }

        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (options.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }

        if (!options.TracesOn)
        {
            return builder;
        }

        var serviceName = string.IsNullOrWhiteSpace(options.ServiceName) ? builder.Environment.ApplicationName : options.ServiceName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                    .AddSource(OrleansApplicationSource, PulsoTracing.SourceName)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        // Probes and scrapes would be most of the traces and say nothing.
                        o.Filter = context => !IsOperational(context.Request.Path);
                        // Browsers send the SignalR token in the query string: no query string in any span.
                        o.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                    });
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
                {
                    tracing.AddOtlpExporter(o =>
                    {
                        o.Endpoint = new Uri(options.OtlpEndpoint);
                        o.Protocol = options.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    });
                }
            });
        return builder;
    }

    /// <summary>
    /// Puts the request's tenant (the caller's, else the route's) in a log scope and on the request's span. Runs after
    /// authentication, so a token names the tenant even on routes without one.
    /// </summary>
    public static IApplicationBuilder UseTenantLogScope(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Pulso.Gateway.Requests");
        return app.Use(async (context, next) =>
        {
            var tenant = context.User.FindFirst(AuthExtensions.TenantClaim)?.Value ?? context.GetRouteValue("tenant") as string;
            if (tenant is null)
            {
                await next(context);
                return;
            }

            Activity.Current?.SetTag(PulsoTracing.TenantTag, tenant);
            using (logger.BeginScope(new TenantScope(tenant)))
            {
                await next(context);
            }
        });
    }

    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
