namespace Pulso.Grains.Tenancy;

/// <summary>
/// A tenant's local time. Fechas are local to the tenant's IANA time zone, so "today" and a day's bounds come
/// from the zone's rules: a daylight-saving day lasts 23 or 25 hours, and the local day changes at local midnight.
/// </summary>
public static class TenantClock
{
    public static TimeZoneInfo Zone(string timeZoneId) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var zone)
            ? zone
            : throw new ArgumentException($"'{timeZoneId}' is not a known IANA time zone", nameof(timeZoneId));

    public static DateTime LocalNow(TimeZoneInfo zone, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime;
    }

    /// <summary>The tenant's current local day.</summary>
    public static DateOnly Today(TimeZoneInfo zone, TimeProvider time) => DateOnly.FromDateTime(LocalNow(zone, time));

    /// <summary>
    /// The instants a local day starts and ends. Where local midnight does not exist (a zone that springs forward
    /// at 00:00), the day starts at the first local instant after the gap.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) DayBounds(DateOnly day, TimeZoneInfo zone) =>
        (StartOf(day, zone), StartOf(day.AddDays(1), zone));

    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        // An ambiguous midnight (falling back over 00:00) belongs to the earlier offset: the day's first instant.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
