using System.Collections.Concurrent;

namespace Pulso.Grains.Persistence;

/// <summary>
/// In-process <see cref="IMetricJournal"/> for the embedded silo and tests: same semantics as the Redis store,
/// nothing survives the process. Thread-safe; each journal has its own lock. Payloads and snapshots are copied
/// in and out, so neither a writer nor a reader can change what is stored.
/// </summary>
public sealed class MemoryMetricJournal : IMetricJournal
{
    private readonly ConcurrentDictionary<string, Journal> _journals = new(StringComparer.Ordinal);

    public Task<JournalState> LoadAsync(string key, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_journals.TryGetValue(key, out var journal))
        {
            return Task.FromResult(JournalState.Empty);
        }

        lock (journal)
        {
            if (journal.Deleted)
            {
                return Task.FromResult(JournalState.Empty);
            }

            var entries = journal.Entries.Select(e => e with { Payload = e.Payload.ToArray() }).ToArray();
            return Task.FromResult(new JournalState(journal.Snapshot?.ToArray(), journal.SnapshotSequence, entries, journal.Sequence));
        }
    }

    public Task<AppendResult> AppendAsync(string key, string batchId, long expectedSequence, byte[] payload, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckAppend(key, batchId, expectedSequence, payload);
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            var journal = _journals.GetOrAdd(key, static _ => new Journal());
            lock (journal)
            {
                if (journal.Deleted)
                {
                    continue; // deleted between the lookup and the lock: use the new one
                }

                if (journal.Batches.TryGetValue(batchId, out var prior))
                {
                    return Task.FromResult(new AppendResult(AppendStatus.Duplicate, prior));
                }

                if (journal.Sequence != expectedSequence)
                {
                    return Task.FromResult(new AppendResult(AppendStatus.Conflict, journal.Sequence));
                }

                var sequence = journal.Sequence + 1;
                journal.Entries.Add(new JournalEntry(sequence, batchId, payload.ToArray()));
                journal.Batches.Add(batchId, sequence);
                journal.Sequence = sequence;
                return Task.FromResult(new AppendResult(AppendStatus.Appended, sequence));
            }
        }
    }

    public Task<bool> CompactAsync(string key, long upToSequence, byte[] snapshot, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckCompact(key, upToSequence, snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            var journal = _journals.GetOrAdd(key, static _ => new Journal());
            lock (journal)
            {
                if (journal.Deleted)
                {
                    continue;
                }

                if (upToSequence > journal.Sequence)
                {
                    throw JournalArguments.PastTheEnd(key, upToSequence, journal.Sequence);
                }

                if (upToSequence < journal.SnapshotSequence)
                {
                    return Task.FromResult(false);
                }

                journal.Snapshot = snapshot.ToArray();
                journal.Entries.RemoveRange(0, (int)(upToSequence - journal.SnapshotSequence));
                journal.SnapshotSequence = upToSequence;
                return Task.FromResult(true);
            }
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (_journals.TryRemove(key, out var journal))
        {
            lock (journal)
            {
                journal.Deleted = true;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListKeysAsync(string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<string>>(_journals.Keys.Where(k => k.StartsWith(keyPrefix, StringComparison.Ordinal)).ToList());
    }

    private sealed class Journal
    {
        public List<JournalEntry> Entries { get; } = [];

        public Dictionary<string, long> Batches { get; } = new(StringComparer.Ordinal);

        public byte[]? Snapshot { get; set; }

        public long SnapshotSequence { get; set; }

        public long Sequence { get; set; }

        public bool Deleted { get; set; }
    }
}
