namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>A notification in the outbox: its id, rule and channel, attempts so far, next attempt and last error.</summary>
[GenerateSerializer, Immutable, Alias("pulso.PendingNotification")]
public sealed record PendingNotification(
    [property: Id(0)] string Id,
    [property: Id(1)] string Rule,
    [property: Id(2)] string Channel,
    [property: Id(3)] int Attempts,
    [property: Id(4)] DateTimeOffset NextAttemptAt,
    [property: Id(5)] string? LastError);
