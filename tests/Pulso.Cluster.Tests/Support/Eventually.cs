using System.Diagnostics;

namespace Pulso.Cluster.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes; the failure names the last value seen.</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<T> MatchesAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        var last = "nothing yet";
        while (true)
        {
            try
            {
                var value = await probe();
                if (condition(value))
                {
                    return value;
                }

                last = value?.ToString() ?? "null";
            }
            catch (Exception e) when (clock.Elapsed < timeout)
            {
                // A silo that is still joining may refuse a call; that is a reason to ask again.
                last = $"{e.GetType().Name}: {e.Message}";
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0} s (last: {last})");
            }

            await Task.Delay(s_pollInterval);
        }
    }
}
