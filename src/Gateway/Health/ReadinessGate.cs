namespace Pulso.Gateway.Health;

/// <summary>
/// The readiness decision, apart from how the cluster is reached: ready after a success; still ready, degraded,
/// while failures have lasted less than the grace since the last success; not ready after that, or before any success.
/// </summary>
public sealed class ReadinessGate(TimeSpan grace)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastSuccess;

    public void Succeeded(DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_lastSuccess is null || at > _lastSuccess)
            {
                _lastSuccess = at;
            }
        }
    }

    /// <summary>Whether a failure at <paramref name="at"/> still counts as ready, and since when the last success is.</summary>
    public (bool Ready, TimeSpan? SinceSuccess) Failed(DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_lastSuccess is not { } last)
            {
                return (false, null);
            }

            var since = at - last;
            return (since < grace, since);
        }
    }
}
