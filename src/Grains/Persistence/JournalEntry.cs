namespace Pulso.Grains.Persistence;

/// <summary>One appended batch: its sequence in the journal, the batch id it was deduplicated by, and its payload.</summary>
public sealed record JournalEntry(long Sequence, string BatchId, byte[] Payload);
