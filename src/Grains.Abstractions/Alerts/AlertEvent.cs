namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>
/// One entry of a tenant's alert history: a group of a rule started firing (<c>firing</c>, with the id its
/// notifications carry) or stopped (<c>resolved</c>), or a notification was given up (<c>undelivered</c>, with
/// <see cref="Detail"/> saying why); the figure and volume that decided it, exact.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertEvent")]
public sealed record AlertEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Rule,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Group,
    [property: Id(4)] string Metric,
    [property: Id(5)] decimal? Value,
    [property: Id(6)] string Comparator,
    [property: Id(7)] decimal Threshold,
    [property: Id(8)] long Volume,
    [property: Id(9)] string? NotificationId)
{
    [Id(10)]
    public string? Detail { get; init; }
}
