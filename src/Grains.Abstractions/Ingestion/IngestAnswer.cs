namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>The answer to a push: rows accepted, and rows rejected by reason (every reason present, zero included).</summary>
[GenerateSerializer, Immutable, Alias("pulso.IngestAnswer")]
public sealed record IngestAnswer(
    [property: Id(0)] long Accepted,
    [property: Id(1)] IReadOnlyDictionary<string, long> Rejected);
