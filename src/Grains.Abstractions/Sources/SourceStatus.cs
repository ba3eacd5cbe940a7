namespace Pulso.Grains.Abstractions.Sources;

/// <summary>What a source has done: rows, rejects by reason, how far behind it is, the last error.</summary>
[GenerateSerializer, Immutable, Alias("pulso.SourceStatus")]
public sealed record SourceStatus(
    [property: Id(0)] bool Running,
    [property: Id(1)] string? Watermark,
    [property: Id(2)] long Rows,
    [property: Id(3)] long Accepted,
    [property: Id(4)] IReadOnlyDictionary<string, long> Rejected,
    [property: Id(5)] long Batches,
    [property: Id(6)] double LagSeconds,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset? LastPollAt,
    [property: Id(9)] int ConsecutiveFailures,
    [property: Id(10)] DateTimeOffset? NextAttemptAt = null,
    [property: Id(11)] bool Configured = true);
