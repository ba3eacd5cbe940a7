using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Health;

/// <summary>
/// Ready when a grain call round-trips through the cluster and its storage: the tenant directory is activated
/// (reading grain storage) and answers within the timeout. Never before the host has started (a standalone gateway
/// serves HTTP while its Orleans client is still connecting), never once it is stopping or draining
/// (<see cref="HealthOptions.DrainFile"/>), and not failed by an outage shorter than
/// <see cref="HealthOptions.ReadyGraceSeconds"/> after a success (<see cref="ReadinessGate"/>): every node shares
/// the same Redis and PostgreSQL, so a blip would otherwise take the whole fleet out of its Services at once.
/// </summary>
internal sealed class ClusterReadiness(IClusterClient cluster, IHostApplicationLifetime lifetime, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);
    private readonly ReadinessGate _gate = new(TimeSpan.FromSeconds(options.Value.ReadyGraceSeconds));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("starting: not connected to the cluster yet");
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("shutting down");
        }

        if (options.Value.DrainFile is { Length: > 0 } drain && File.Exists(drain))
        {
            return HealthCheckResult.Unhealthy($"draining ({HealthOptions.Section}:DrainFile exists)");
        }

        try
        {
            await cluster.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List().WaitAsync(s_timeout, cancellationToken);
            _gate.Succeeded(time.GetUtcNow());
            return HealthCheckResult.Healthy("cluster joined, storage reachable");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (ready, since) = _gate.Failed(time.GetUtcNow());
            var what = $"cluster or storage not reachable: {e.GetType().Name}";
            return ready
                ? HealthCheckResult.Degraded($"{what}; last success {since!.Value.TotalSeconds:0.0} s ago, within {HealthOptions.Section}:ReadyGraceSeconds")
                : HealthCheckResult.Unhealthy(since is { } s ? $"{what}; last success {s.TotalSeconds:0.0} s ago" : what);
        }
    }
}
