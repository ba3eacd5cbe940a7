namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// One parsed and validated push. <see cref="Batches"/> hold one day each; their ids are assigned by the ingest
/// grain (from the idempotency key, or a fresh id) so that a retry after a crash is dropped by the day tables.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.IngestPush")]
public sealed record IngestPush(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? IdempotencyKey,
    [property: Id(2)] byte[] BodyHash,
    [property: Id(3)] DayBatch[] Batches,
    [property: Id(4)] IngestAnswer Answer,
    [property: Id(5)] QuarantinedRow[] Rejects);
