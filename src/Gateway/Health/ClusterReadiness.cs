using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Health;

/// <summary>
/// Ready when a grain call round-trips through the cluster and its storage: the tenant directory is activated
/// (reading grain storage) and answers within the timeout. Never before the host has started: a standalone gateway
/// serves HTTP while its Orleans client is still connecting, and the client can place no call until then.
/// </summary>
internal sealed class ClusterReadiness(IClusterClient cluster, IHostApplicationLifetime lifetime) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("starting: not connected to the cluster yet");
        }

        try
        {
            await cluster.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List().WaitAsync(s_timeout, cancellationToken);
            return HealthCheckResult.Healthy("cluster joined, storage reachable");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"cluster or storage not reachable: {e.GetType().Name}");
        }
    }
}
