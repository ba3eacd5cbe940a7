using Pulso.Grains.Ingestion;
using Pulso.Grains.Sources;

namespace Pulso.Engine.Tests.Sources;

/// <summary>The demo stream as a source: a minute per page, a page's content fixed by where it starts.</summary>
public sealed class SimulatorSourceTests
{
    private const string Tenant = "demo";

    // Lima is UTC-5 all year: 03:00:30 UTC on 11 March is 22:00:30 on Tuesday 10 March there.
    private static readonly TimeZoneInfo s_lima = TimeZoneInfo.FindSystemTimeZoneById("America/Lima");
    private static readonly DateTimeOffset s_now = new(2026, 3, 11, 3, 0, 30, TimeSpan.Zero);
    private static readonly DateOnly s_localDay = new(2026, 3, 10);

    [Fact]
    public async Task FirstReadStartsAtLocalMidnightOfTheTenantsZone()
    {
        var source = new SimulatorSource(Tenant, s_lima, new ManualClock(s_now));

        var page = await source.ReadAsync(null, 1_000, CancellationToken.None);

        Assert.NotNull(page);
        Assert.Equal("sim:202603100000", page.PageId);
        Assert.Equal("2026-03-10T00:01:00", page.NextWatermark);
        Assert.True(page.Gestiones.Count > 0);
        Assert.Equal(page.Gestiones.Count, page.Rows);
        Assert.All(page.Gestiones.DayNumber, d => Assert.Equal(s_localDay.DayNumber, d));
        Assert.All(page.Gestiones.Hora, h => Assert.Equal(0, h));
        Assert.All(page.Jornadas, j => Assert.Equal((Tenant, s_localDay), (j.Cliente, j.Fecha)));
        Assert.True(page.More);
        Assert.Equal((22 * 3600) + 30 - 60, page.LagSeconds);
    }

    [Fact]
    public async Task SameWatermarkGivesTheSamePage()
    {
        var clock = new ManualClock(s_now);
        const string watermark = "2026-03-10T10:15:00";

        var first = await new SimulatorSource(Tenant, s_lima, clock).ReadAsync(watermark, 1_000, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(7));
        var second = await new SimulatorSource(Tenant, s_lima, clock).ReadAsync(watermark, 1_000, CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal("sim:202603101015", first.PageId);
        Assert.Equal((first.PageId, first.NextWatermark, first.Rows), (second.PageId, second.NextWatermark, second.Rows));
        Assert.True(first.Rows > 0);
        Assert.Equal(Rows(first.Gestiones), Rows(second.Gestiones));
        Assert.Equal(first.Jornadas, second.Jornadas);

        // Another tenant's stream is another stream.
        var other = await new SimulatorSource("otro", s_lima, clock).ReadAsync(watermark, 1_000, CancellationToken.None);
        Assert.NotNull(other);
        Assert.NotEqual(Rows(first.Gestiones), Rows(other.Gestiones));
    }

    [Fact]
    public async Task CaughtUpSourceReturnsNothingUntilTheClockMoves()
    {
        var clock = new ManualClock(s_now);
        var source = new SimulatorSource(Tenant, s_lima, clock);

        var last = await source.ReadAsync("2026-03-10T21:59:00", 1_000, CancellationToken.None);
        Assert.NotNull(last);
        Assert.Equal("2026-03-10T22:00:00", last.NextWatermark);
        Assert.False(last.More);
        Assert.Equal(30, last.LagSeconds);

        Assert.Null(await source.ReadAsync(last.NextWatermark, 1_000, CancellationToken.None));
        Assert.Equal(30, source.LagSeconds(last.NextWatermark));

        clock.Advance(TimeSpan.FromSeconds(40));
        var next = await source.ReadAsync(last.NextWatermark, 1_000, CancellationToken.None);
        Assert.NotNull(next);
        Assert.Equal("sim:202603102200", next.PageId);
        Assert.Equal(10, next.LagSeconds);
    }

    [Fact]
    public async Task LagIsHowFarTheWatermarkIsBehindLocalNow()
    {
        var source = new SimulatorSource(Tenant, s_lima, new ManualClock(s_now));

        Assert.Equal(3_630, source.LagSeconds("2026-03-10T21:00:00"));
        Assert.Equal(0, source.LagSeconds("2026-03-10T23:00:00"));

        var page = await source.ReadAsync("2026-03-10T21:00:00", 1_000, CancellationToken.None);
        Assert.NotNull(page);
        Assert.Equal(3_570, page.LagSeconds);
    }

    [Fact]
    public async Task CatchingUpReadsEveryMinuteOfTheDayOnce()
    {
        // 02:00:30 local: two hours of pages since midnight.
        var source = new SimulatorSource(Tenant, s_lima, new ManualClock(s_now.AddHours(-20)));

        var read = await PagedRead.UntilCaughtUpAsync(() => source, pageSize: 1_000);

        Assert.Equal(120, read.Pages.Count);
        Assert.Equal(
            Enumerable.Range(0, 120).Select(m => $"sim:20260310{m / 60:00}{m % 60:00}"),
            read.Pages.Select(p => p.PageId));
        Assert.Equal("2026-03-10T02:00:00", read.Watermark);
        Assert.Equal(read.Rows, read.Accepted);
        Assert.All(read.Pages, p => Assert.All(p.Gestiones.Hora, h => Assert.True(h < 2)));
    }

    [Fact]
    public async Task PageSizeCapsAPage()
    {
        var source = new SimulatorSource(Tenant, s_lima, new ManualClock(s_now));

        var page = await source.ReadAsync("2026-03-10T10:15:00", 2, CancellationToken.None);

        Assert.NotNull(page);
        Assert.Equal(2, page.Gestiones.Count);
    }

    [Fact]
    public async Task WatermarkOfAnEarlierDayRestartsAtTodaysMidnight()
    {
        var source = new SimulatorSource(Tenant, s_lima, new ManualClock(s_now));

        var page = await source.ReadAsync("2026-03-09T23:30:00", 1_000, CancellationToken.None);

        Assert.NotNull(page);
        Assert.Equal("sim:202603100000", page.PageId);
    }

    private static List<(int Day, byte Hora, string Ejecutivo, string Canal, string Tipificacion, byte Tramo, long Saldo, string Documento)> Rows(GestionBatch b) =>
        [.. Enumerable.Range(0, b.Count).Select(i => (b.DayNumber[i], b.Hora[i], b.Ejecutivos[b.Ejecutivo[i]], b.Canales[b.Canal[i]], b.Tipificaciones[b.Tipificacion[i]], b.Tramo[i], b.SaldoCents[i], b.Documentos[b.Documento[i]]))];
}
