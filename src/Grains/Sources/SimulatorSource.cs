using System.Globalization;
using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Sources;

/// <summary>
/// The demo's live stream as a source: the watermark is the last simulated local time; each page simulates up
/// to a minute after it, seeded by the tenant and the page's start, so a page read again is the same page.
/// The first read starts at the beginning of the tenant's current day, so a dashboard opens on a full morning.
/// </summary>
public sealed class SimulatorSource(string tenant, TimeZoneInfo zone, TimeProvider time) : IGestionSource
{
    private static readonly TimeSpan s_step = TimeSpan.FromMinutes(1);

    public Task<SourcePage?> ReadAsync(string? watermark, int pageSize, CancellationToken ct)
    {
        var now = LocalNow();
        var from = Parse(watermark) ?? now.Date;
        if (from.Date < now.Date)
        {
            from = now.Date; // a new day: start it from midnight
        }

        var to = from + s_step;
        if (to > now)
        {
            return Task.FromResult<SourcePage?>(null);
        }

        // A stable seed (string.GetHashCode changes per process): a page read again after a restart is the same page.
        var seed = (int)System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes($"{tenant}|{from.Ticks}"));
        var simulator = new GestionSimulator(seed);
        var count = Math.Min(pageSize, simulator.RateAt(from, s_step.TotalSeconds));
        var batch = simulator.Next(from, count);
        var day = DateOnly.FromDateTime(from);
        var jornadas = simulator.Jornadas(to).Select(j => new Jornada(tenant, j.Ejecutivo, day, j.HorasCents)).ToList();
        var page = new SourcePage(
            $"sim:{from.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}",
            Format(to),
            batch,
            jornadas,
            new RejectLog(0),
            count,
            0,
            More: to + s_step <= now,
            LagSeconds: (now - to).TotalSeconds);
        return Task.FromResult<SourcePage?>(page);
    }

    public double LagSeconds(string? watermark) => Parse(watermark) is { } at ? Math.Max(0, (LocalNow() - at).TotalSeconds) : 0;

    private DateTime LocalNow() => Tenancy.TenantClock.LocalNow(zone, time);

    private static string Format(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTime? Parse(string? watermark) =>
        DateTime.TryParseExact(watermark, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;
}
