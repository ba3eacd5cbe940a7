using System.Text;

namespace Pulso.Grains.Persistence;

/// <summary>The argument rules every <see cref="IMetricJournal"/> applies, so that both stores refuse the same calls.</summary>
internal static class JournalArguments
{
    /// <summary>Batch ids longer than this (in UTF-8) are refused: an entry costs its payload plus a bounded overhead.</summary>
    public const int MaxBatchIdBytes = 1024;

    public static void CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (key.Contains('{', StringComparison.Ordinal) || key.Contains('}', StringComparison.Ordinal))
        {
            // The Redis store wraps the key in a {hash tag}; braces inside it would change the tag.
            throw new ArgumentException($"journal key '{key}' contains a brace", nameof(key));
        }
    }

    public static void CheckAppend(string key, string batchId, long expectedSequence, byte[] payload)
    {
        CheckKey(key);
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        if (Encoding.UTF8.GetByteCount(batchId) > MaxBatchIdBytes)
        {
            throw new ArgumentException($"batch id is longer than {MaxBatchIdBytes} UTF-8 bytes", nameof(batchId));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(expectedSequence);
        ArgumentNullException.ThrowIfNull(payload);
    }

    public static void CheckCompact(string key, long upToSequence, byte[] snapshot)
    {
        CheckKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(upToSequence);
        ArgumentNullException.ThrowIfNull(snapshot);
    }

    public static ArgumentOutOfRangeException PastTheEnd(string key, long upToSequence, long sequence) =>
        new(nameof(upToSequence), upToSequence, $"journal '{key}' ends at sequence {sequence}: cannot snapshot up to {upToSequence}");
}
