namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// One tenant's day of accepted gestiones and jornadas as the metric table's journal stores it: a versioned
/// day-delta image (columns of plain little-endian arrays, dictionaries of UTF-8 values, a checksum). The grain
/// checks it whole and stores the bytes as they came. The batch id makes applying it idempotent.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.EncodedDayBatch")]
public sealed record EncodedDayBatch(
    [property: Id(0)] string BatchId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] byte[] Delta);
