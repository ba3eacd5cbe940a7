using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Health;

/// <summary>
/// Ready when a grain call round-trips through the cluster and its storage: the tenant directory is activated
/// (reading grain storage) and answers within the timeout.
/// </summary>
internal sealed class ClusterReadiness(IClusterClient cluster) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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
