using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Pulso.Gateway.Ingest;

/// <summary>Pushes in flight per tenant on this gateway: a permit per push, none queued, so overload is answered at once.</summary>
internal sealed class IngestThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public IngestThrottle(IOptions<IngestOptions> options)
    {
        var permits = options.Value.MaxConcurrentPerTenant;
        _limiter = PartitionedRateLimiter.Create<string, string>(tenant =>
            RateLimitPartition.GetConcurrencyLimiter(tenant, _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 }));
    }

    /// <summary>A lease to dispose when the push is done; <see cref="RateLimitLease.IsAcquired"/> false when the tenant is at its limit.</summary>
    public RateLimitLease TryEnter(string tenant) => _limiter.AttemptAcquire(tenant);

    /// <summary>Permits a tenant has left right now (for readiness of tests and diagnostics).</summary>
    public long Available(string tenant) => _limiter.GetStatistics(tenant)?.CurrentAvailablePermits ?? -1;

    public void Dispose() => _limiter.Dispose();
}
