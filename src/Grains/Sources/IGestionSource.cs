using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Sources;

/// <summary>
/// One page read from a source after a watermark. <see cref="PageId"/> is derived from the position read, so
/// reading again from the same watermark yields the same id (and the day tables drop the replay).
/// </summary>
public sealed record SourcePage(
    string PageId,
    string NextWatermark,
    GestionBatch Gestiones,
    IReadOnlyList<Jornada> Jornadas,
    RejectLog Rejects,
    long Rows,
    long OtherTenants,
    bool More,
    double LagSeconds,
    long JornadasRejected = 0);

/// <summary>An adapter over a tenant's data: reads the next page after a watermark, or null when nothing is new.</summary>
public interface IGestionSource
{
    Task<SourcePage?> ReadAsync(string? watermark, int pageSize, CancellationToken ct);

    /// <summary>
    /// Reads again the page that was in flight when the grain last stopped: from <paramref name="watermark"/> exactly up
    /// to <paramref name="replayTo"/> (the watermark recorded after it) and <paramref name="rows"/> rows, so that it
    /// carries the same rows and id as the first time, whatever the page size or settle lag are now.
    /// </summary>
    Task<SourcePage?> ReplayAsync(string? watermark, int rows, string replayTo, CancellationToken ct) => ReadAsync(watermark, rows, ct);

    /// <summary>How far behind the source the watermark is, for status reporting when nothing was read.</summary>
    double LagSeconds(string? watermark);
}
