namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// Accepted gestiones and jornadas of one tenant's day, dictionary-encoded in plain arrays. The batch id
/// makes applying it idempotent: a replay with the same id changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.DayBatch")]
public sealed record DayBatch(
    [property: Id(0)] string BatchId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] string[] Ejecutivos,
    [property: Id(3)] string[] Canales,
    [property: Id(4)] string[] Tipificaciones,
    [property: Id(5)] string[] Documentos,
    [property: Id(6)] byte[] Hora,
    [property: Id(7)] int[] Ejecutivo,
    [property: Id(8)] int[] Canal,
    [property: Id(9)] int[] Tipificacion,
    [property: Id(10)] byte[] Tramo,
    [property: Id(11)] long[] SaldoCents,
    [property: Id(12)] int[] Documento,
    [property: Id(13)] string[] JornadaEjecutivos,
    [property: Id(14)] long[] JornadaCents)
{
    public int Rows => Ejecutivo.Length;
}

/// <summary>What applying a batch did: the table's version after it and the cells it changed (0 for a replay).</summary>
[GenerateSerializer, Immutable, Alias("pulso.ApplyResult")]
public sealed record ApplyResult(
    [property: Id(0)] long Version,
    [property: Id(1)] bool Duplicate,
    [property: Id(2)] int ChangedCells,
    [property: Id(3)] int Rows);
