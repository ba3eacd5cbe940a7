using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Sources;

/// <summary>
/// A tenant's data source (key <c>tenant/source</c>): pulls pages of new rows on a timer, hands them to the day
/// tables as batches whose identity is the page's position, and advances a persisted watermark only after.
/// </summary>
[Alias("pulso.ISourceGrain")]
public interface ISourceGrain : IGrainWithStringKey
{
    /// <summary>Saves the configuration; the problems found (empty when saved).</summary>
    [Alias("Configure")]
    Task<IReadOnlyList<string>> Configure(SourceConfig config);

    [Alias("Start")]
    Task Start();

    [Alias("Stop")]
    Task Stop();

    /// <summary>Pulls until the source has nothing new (or a page limit); returns the status after.</summary>
    [Alias("PollNow")]
    Task<SourceStatus> PollNow();

    [Alias("GetStatus"), ReadOnly]
    Task<SourceStatus> GetStatus();
}

/// <summary>
/// A source's configuration. <c>Kind</c>: <c>file</c> (CSV files in <c>Location</c>, each taken once) or
/// <c>simulator</c> (a live stream for demos). Poll interval and page size bound the pull.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.SourceConfig")]
public sealed record SourceConfig(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? Location,
    [property: Id(2)] double PollIntervalSeconds = 10,
    [property: Id(3)] int PageSize = 50_000,
    [property: Id(4)] IReadOnlyDictionary<string, string>? Settings = null);

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
    [property: Id(9)] int ConsecutiveFailures);
