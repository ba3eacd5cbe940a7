using System.Diagnostics;

namespace Pulso.Grains.Tests.Support;

/// <summary>Retrying a call while the cluster recovers from a lost silo, up to a deadline.</summary>
internal static class Patience
{
    /// <summary>
    /// Calls <paramref name="call"/> until it succeeds, backing off between failures, and gives up with the last
    /// failure once <paramref name="deadline"/> has passed. A refusal (<see cref="ArgumentException"/>) is final.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan deadline, Action<Exception>? failed = null)
    {
        var clock = Stopwatch.StartNew();
        var backoff = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not ArgumentException && clock.Elapsed < deadline)
            {
                failed?.Invoke(e);
                await Task.Delay(backoff);
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 1000));
            }
        }
    }
}
