using System.Collections.Concurrent;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Tests.Support;

/// <summary>
/// Wraps a journal and counts, per key, what reaches the store: loads (one per activation), appends with the
/// payload bytes they wrote, duplicates refused, and compactions with the snapshot bytes they wrote.
/// </summary>
internal sealed class CountingMetricJournal(IMetricJournal inner) : IMetricJournal
{
    private readonly ConcurrentDictionary<string, Counters> _counters = new(StringComparer.Ordinal);

    /// <summary>What the store has seen for <paramref name="key"/> so far.</summary>
    public JournalCounts CountsFor(string key) => For(key).Snapshot();

    public async Task<JournalState> LoadAsync(string key, CancellationToken cancellationToken = default)
    {
        var state = await inner.LoadAsync(key, cancellationToken);
        Interlocked.Increment(ref For(key).Loads);
        return state;
    }

    public async Task<AppendResult> AppendAsync(string key, string batchId, long expectedSequence, byte[] payload, CancellationToken cancellationToken = default)
    {
        var result = await inner.AppendAsync(key, batchId, expectedSequence, payload, cancellationToken);
        var counters = For(key);
        switch (result.Status)
        {
            case AppendStatus.Appended:
                Interlocked.Increment(ref counters.Appends);
                Interlocked.Add(ref counters.AppendedBytes, payload.Length);
                break;
            case AppendStatus.Duplicate:
                Interlocked.Increment(ref counters.Duplicates);
                break;
            case AppendStatus.Conflict:
                Interlocked.Increment(ref counters.Conflicts);
                break;
        }

        return result;
    }

    public async Task<bool> CompactAsync(string key, long upToSequence, byte[] snapshot, CancellationToken cancellationToken = default)
    {
        var stored = await inner.CompactAsync(key, upToSequence, snapshot, cancellationToken);
        if (stored)
        {
            var counters = For(key);
            Interlocked.Increment(ref counters.Compactions);
            Interlocked.Add(ref counters.SnapshotBytes, snapshot.Length);
        }

        return stored;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<IReadOnlyList<string>> ListKeysAsync(string keyPrefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(keyPrefix, cancellationToken);

    private Counters For(string key) => _counters.GetOrAdd(key, static _ => new Counters());

    private sealed class Counters
    {
        public long Loads;
        public long Appends;
        public long Duplicates;
        public long Conflicts;
        public long AppendedBytes;
        public long Compactions;
        public long SnapshotBytes;

        public JournalCounts Snapshot() => new(
            Interlocked.Read(ref Loads),
            Interlocked.Read(ref Appends),
            Interlocked.Read(ref Duplicates),
            Interlocked.Read(ref Conflicts),
            Interlocked.Read(ref AppendedBytes),
            Interlocked.Read(ref Compactions),
            Interlocked.Read(ref SnapshotBytes));
    }
}

/// <summary>Counters of one journal key at one moment; subtract two to get what happened in between.</summary>
internal sealed record JournalCounts(long Loads, long Appends, long Duplicates, long Conflicts, long AppendedBytes, long Compactions, long SnapshotBytes)
{
    /// <summary>Everything written to the store: batch payloads plus snapshots.</summary>
    public long BytesWritten => AppendedBytes + SnapshotBytes;

    public static JournalCounts operator -(JournalCounts after, JournalCounts before) => new(
        after.Loads - before.Loads,
        after.Appends - before.Appends,
        after.Duplicates - before.Duplicates,
        after.Conflicts - before.Conflicts,
        after.AppendedBytes - before.AppendedBytes,
        after.Compactions - before.Compactions,
        after.SnapshotBytes - before.SnapshotBytes);
}
