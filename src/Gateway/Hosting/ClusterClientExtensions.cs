using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Clustering;

namespace Pulso.Gateway.Hosting;

/// <summary>The standalone gateway's way into the cluster: an Orleans client configured from the silos' <c>Pulso:Cluster</c> keys.</summary>
public static class ClusterClientExtensions
{
    public static IHostApplicationBuilder AddPulsoClusterClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cluster = builder.Configuration.GetSection(PulsoClusterOptions.Section).Get<PulsoClusterOptions>() ?? new PulsoClusterOptions();
        var jwt = builder.Configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        Validate(cluster, jwt);

        builder.Services.AddOptions<PulsoClusterOptions>().BindConfiguration(PulsoClusterOptions.Section);
        // Kestrel starts beside the client rather than after it, so /healthz answers and /readyz says 503 while the
        // client is still looking for the cluster.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.Services.AddHostedService<ClusterConnectionLog>();
        builder.UseOrleansClient(client =>
        {
            client.UseConnectionRetryFilter<ClusterConnectionRetry>();
            // A call whose answer was lost (a gateway silo that stopped meanwhile) fails after this instead of
            // Orleans' 30 s, and the push path retries it; new silos are learnt within a rolling restart's pace.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(cluster.GatewayListRefreshSeconds));
            // The trace of a request goes on into the grains it calls (spans are recorded only when tracing is on).
            client.AddActivityPropagation();
            if (cluster.IsAdoNet)
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = cluster.ConnectionString;
                });
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }
        });
        return builder;
    }

    /// <summary>Start-up checks that name the key; the silos' rule: a cluster never runs on a throw-away signing key.</summary>
    private static void Validate(PulsoClusterOptions cluster, JwtOptions jwt)
    {
        var problems = new List<string>(cluster.Problems());
        if (cluster.IsAdoNet && !jwt.HasConfiguredKeys)
        {
            problems.Add($"{JwtOptions.Section}:SigningKey (or {JwtOptions.Section}:Authority) is required when clustering is AdoNet; give the gateway the silos' key");
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException("Pulso", typeof(PulsoClusterOptions), problems);
        }
    }
}

/// <summary>Keeps the client trying until the cluster answers (silos may start after the gateway), saying so in the log.</summary>
internal sealed partial class ClusterConnectionRetry(IOptions<PulsoClusterOptions> options, ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(1);
    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        // The first failure and then one line in ten: a gateway waiting for a long time does not flood its log.
        if (attempt % 10 == 1)
        {
            LogNotReachable(logger, options.Value.ClusterId, attempt, exception.GetType().Name, exception.Message, s_delay.TotalSeconds);
        }

        try
        {
            await Task.Delay(s_delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Orleans cluster '{ClusterId}' not reachable yet (attempt {Attempt}: {Error}: {Reason}); retrying every {Seconds} s, /readyz answers 503 until connected")]
    private static partial void LogNotReachable(ILogger logger, string clusterId, int attempt, string error, string reason, double seconds);
}

/// <summary>Says when the client has joined the cluster, and warns when tokens from the silos cannot be accepted.</summary>
internal sealed partial class ClusterConnectionLog(
    IHostApplicationLifetime lifetime,
    IOptions<PulsoClusterOptions> cluster,
    SigningKeyProvider keys,
    ILogger<ClusterConnectionLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (keys.IsGenerated)
        {
            LogGeneratedKey(logger);
        }

        // Started is raised once every hosted service has started, the Orleans client included: it is connected.
        lifetime.ApplicationStarted.Register(() => LogConnected(logger, cluster.Value.ClusterId, cluster.Value.ServiceId, cluster.Value.Provider));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to Orleans cluster '{ClusterId}' (service '{ServiceId}', {Provider} clustering)")]
    private static partial void LogConnected(ILogger logger, string clusterId, string serviceId, string provider);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No Pulso:Auth:Jwt:SigningKey configured: this gateway checks tokens against a key it made at start-up and refuses the silo's tokens. Give it the silo's key.")]
    private static partial void LogGeneratedKey(ILogger logger);
}
