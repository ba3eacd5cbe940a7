using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;
using Pulso.Grains.Abstractions.Ingestion;

namespace Pulso.Gateway.Ingest;

/// <summary>
/// The push path's grain calls (the tenant check, the ingest grain's <c>Push</c>), made again when the answer never came
/// or the cluster turned the call away while a silo left: a <see cref="TimeoutException"/> (the answer was lost, e.g. on
/// its way back through a gateway silo that stopped), an <see cref="OrleansMessageRejectionException"/>
/// (<see cref="SiloUnavailableException"/> included: a silo stopping or gone), or an <see cref="InconsistentStateException"/>
/// (two activations of the grain for a moment). The same <see cref="IngestPush"/> goes again, so a retry is safe: its
/// batches carry the same ids (the key's, else the push id's) and the day tables drop a batch they already hold; the
/// ingest grain answers its own earlier attempt as applied, not as a replay.
/// </summary>
internal static partial class IngestRetry
{
    /// <summary>Calls per push, the first included.</summary>
    public const int MaxAttempts = 3;

    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="call"/> (a grain call that is safe to repeat) up to <see cref="MaxAttempts"/> times while
    /// it fails with a <see cref="IsTransient">transient</see> error; the last error is thrown.
    /// </summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, string what, ILogger logger, CancellationToken aborted)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e) && !aborted.IsCancellationRequested)
            {
                LogRetry(logger, what, attempt, MaxAttempts, e.GetType().Name, e.Message);
            }

            // A moment for the cluster to settle (a directory entry, a gateway list) before the next call.
            await Task.Delay(s_pause * attempt, aborted);
        }
    }

    /// <summary>Failures that say nothing about the push itself: the same call may succeed at once elsewhere.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is TimeoutException or OrleansMessageRejectionException or InconsistentStateException;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Push: {Call}, call {Attempt} of {MaxAttempts} failed ({Error}: {Reason}); calling again")]
    private static partial void LogRetry(ILogger logger, string call, int attempt, int maxAttempts, string error, string reason);
}
