namespace Pulso.Grains.Persistence;

/// <summary>
/// Durable store of metric tables as journals: per key (one day table), an optional snapshot and the batch
/// entries after it, each entry with a sequence number (1, 2, ...) and the id of the batch that wrote it.
/// Appends are fenced on the sequence the writer last saw and deduplicated by batch id in one atomic step,
/// so a replayed batch is stored once and a second writer on the same key cannot interleave unnoticed.
/// Payloads and snapshots are opaque bytes (<see cref="DayDeltaCodec"/>, <see cref="MetricTableCodec"/>).
/// </summary>
/// <remarks>
/// Cancelling a call abandons the wait, not necessarily the write: an append cancelled in flight may still
/// be stored, and retrying it with the same batch id reports <see cref="AppendStatus.Duplicate"/>.
/// </remarks>
public interface IMetricJournal
{
    /// <summary>The snapshot and the entries after it, read at one point in time. An unknown key is an empty journal.</summary>
    Task<JournalState> LoadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically: when <paramref name="batchId"/> was already appended to <paramref name="key"/>, reports
    /// <see cref="AppendStatus.Duplicate"/> with the sequence it got (the payload is ignored); otherwise when the
    /// journal's sequence is not <paramref name="expectedSequence"/>, reports <see cref="AppendStatus.Conflict"/>
    /// with the current sequence; otherwise stores the entry at the next sequence, records the batch id, and
    /// reports <see cref="AppendStatus.Appended"/> with that sequence.
    /// </summary>
    Task<AppendResult> AppendAsync(string key, string batchId, long expectedSequence, byte[] payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="snapshot"/> as the state after entry <paramref name="upToSequence"/> and drops the
    /// entries up to it; batch ids stay recorded, so duplicates are still recognised. Returns false (and changes
    /// nothing) when the journal already holds a snapshot past <paramref name="upToSequence"/>; throws
    /// <see cref="ArgumentOutOfRangeException"/> when <paramref name="upToSequence"/> is past the last entry.
    /// </summary>
    Task<bool> CompactAsync(string key, long upToSequence, byte[] snapshot, CancellationToken cancellationToken = default);

    /// <summary>Removes the journal with its snapshot, entries and batch ids.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The keys of the journals that exist and start with <paramref name="keyPrefix"/> (e.g. <c>tenant/</c> for a
    /// tenant's day tables), in no particular order. A scan, for maintenance (retention, deletion), not for queries.
    /// </summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string keyPrefix, CancellationToken cancellationToken = default);
}
