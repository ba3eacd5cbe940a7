namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// One parsed and validated push. <see cref="Batches"/> hold one day each; their ids are assigned by the ingest
/// grain (from the idempotency key, else from <see cref="PushId"/>, else a fresh id) so that a retry after a crash is
/// dropped by the day tables. <see cref="PushId"/> names one HTTP request: the gateway sends it again, unchanged, when
/// a call's answer was lost (a timeout, a silo that left), and the grain recognises its own earlier attempt.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.IngestPush")]
public sealed record IngestPush(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? IdempotencyKey,
    [property: Id(2)] byte[] BodyHash,
    [property: Id(3)] DayBatch[] Batches,
    [property: Id(4)] IngestAnswer Answer,
    [property: Id(5)] QuarantinedRow[] Rejects,
    [property: Id(6)] string? PushId = null);
