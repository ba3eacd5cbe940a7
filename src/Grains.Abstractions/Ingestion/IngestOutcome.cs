namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>What the ingest grain did with a push, and the answer to give.</summary>
[GenerateSerializer, Immutable, Alias("pulso.IngestOutcome")]
public sealed record IngestOutcome(
    [property: Id(0)] IngestStatus Status,
    [property: Id(1)] IngestAnswer Answer);

/// <summary>Applied now, a replay of an earlier push with the same key and body, or a key reused with another body.</summary>
[GenerateSerializer]
public enum IngestStatus
{
    Applied = 0,
    Replayed = 1,
    KeyConflict = 2,
}
