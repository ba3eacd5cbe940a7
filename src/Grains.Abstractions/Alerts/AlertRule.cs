namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>
/// A rule on one metric (built-in or tenant-defined), judged for the tenant as a whole or per ejecutivo or canal
/// (<see cref="Scope"/>), over the tenant's local <c>today</c> or the last <see cref="Hours"/> local hours
/// (<see cref="Window"/>), once a group has at least <see cref="MinGestiones"/> gestiones in the window. A group
/// whose value compares to <see cref="Threshold"/> by <see cref="Comparator"/> fires, unless it fired less than
/// <see cref="CooldownMinutes"/> ago; it resolves when the comparison no longer holds (or the window no longer has
/// the volume to judge). Each firing is sent to every channel.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertRule")]
public sealed record AlertRule(
    [property: Id(0)] string Name,
    [property: Id(1)] string Metric,
    [property: Id(2)] string Scope,
    [property: Id(3)] string Comparator,
    [property: Id(4)] decimal Threshold,
    [property: Id(5)] string Window,
    [property: Id(6)] int Hours,
    [property: Id(7)] long MinGestiones,
    [property: Id(8)] int CooldownMinutes,
    [property: Id(9)] IReadOnlyList<AlertChannel> Channels,
    [property: Id(10)] bool Enabled = true);
