namespace Pulso.Grains.Persistence;

/// <summary>
/// A journal as loaded: the snapshot (null when none was taken) as of <see cref="SnapshotSequence"/> (0 when
/// none), the entries after it in ascending sequence, and <see cref="Sequence"/>, the last sequence written
/// (the fence for the next append).
/// </summary>
public sealed record JournalState(byte[]? Snapshot, long SnapshotSequence, IReadOnlyList<JournalEntry> Entries, long Sequence)
{
    public static JournalState Empty { get; } = new(null, 0, [], 0);
}
