using Pulso.Grains.Tenancy;

namespace Pulso.Engine.Tests.Tenancy;

public sealed class TenantClockTests
{
    private static readonly TimeZoneInfo s_santiago = TenantClock.Zone("America/Santiago");
    private static readonly TimeZoneInfo s_lima = TenantClock.Zone("America/Lima");

    [Fact]
    public void TodayIsTheLocalDayNotTheUtcDay()
    {
        // 03:30 UTC on 2026-11-26 is still 22:30 of the 25th in Lima (UTC-5).
        var time = new FixedTime(new DateTimeOffset(2026, 11, 26, 3, 30, 0, TimeSpan.Zero));
        Assert.Equal(new DateOnly(2026, 11, 25), TenantClock.Today(s_lima, time));
        Assert.Equal(new DateOnly(2026, 11, 26), TenantClock.Today(TimeZoneInfo.Utc, time));
    }

    [Fact]
    public void AnOrdinaryDayLastsTwentyFourHours()
    {
        var (start, end) = TenantClock.DayBounds(new DateOnly(2026, 11, 25), s_lima);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero), start.ToUniversalTime());
        Assert.Equal(TimeSpan.FromHours(24), end - start);
    }

    [Fact]
    public void DaysWhereTheClockChangesLastTwentyThreeOrTwentyFiveHours()
    {
        // Chile leaves daylight saving time on the first Sunday of April and returns on the first Sunday of September.
        var lengths = Enumerable.Range(0, 365)
            .Select(d => new DateOnly(2026, 1, 1).AddDays(d))
            .Select(day => (Day: day, Hours: (TenantClock.DayBounds(day, s_santiago).End - TenantClock.DayBounds(day, s_santiago).Start).TotalHours))
            .Where(x => x.Hours != 24)
            .ToList();

        Assert.Equal(2, lengths.Count);
        Assert.Contains(lengths, x => x.Hours == 25 && x.Day.Month == 4);
        Assert.Contains(lengths, x => x.Hours == 23 && x.Day.Month == 9);
    }

    [Fact]
    public void TodayFollowsTheOffsetInForceOnEitherSideOfTheChange()
    {
        var (start, end) = TenantClock.DayBounds(new DateOnly(2026, 4, 5), s_santiago);
        Assert.Equal(new DateOnly(2026, 4, 5), TenantClock.Today(s_santiago, new FixedTime(start)));
        Assert.Equal(new DateOnly(2026, 4, 5), TenantClock.Today(s_santiago, new FixedTime(end.AddTicks(-1))));
        Assert.Equal(new DateOnly(2026, 4, 6), TenantClock.Today(s_santiago, new FixedTime(end)));
        Assert.Equal(new DateOnly(2026, 4, 4), TenantClock.Today(s_santiago, new FixedTime(start.AddTicks(-1))));
    }

    [Fact]
    public void UnknownZoneIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => TenantClock.Zone("Mars/Olympus_Mons"));
        Assert.Contains("Mars/Olympus_Mons", e.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
