using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Sources;

/// <summary>
/// A tenant's data source (key <c>tenant/source</c>): pulls pages of new rows on a timer, hands them to the day
/// tables as batches whose identity is the page's position, and advances a persisted watermark only after.
/// </summary>
[Alias("pulso.ISourceGrain")]
public interface ISourceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Saves the configuration; the problems found (empty when saved). A <see cref="SourceConfig.Secret"/> equal to
    /// <see cref="SourceConfig.MaskedSecret"/> keeps the secret saved before.
    /// </summary>
    [Alias("Configure")]
    Task<IReadOnlyList<string>> Configure(SourceConfig config);

    /// <summary>The configuration with its secret masked, or null when the source has none.</summary>
    [Alias("GetConfig"), ReadOnly, AlwaysInterleave]
    Task<SourceConfig?> GetConfig();

    [Alias("Start")]
    Task Start();

    [Alias("Stop")]
    Task Stop();

    /// <summary>Pulls until the source has nothing new (or a page limit); returns the status after.</summary>
    [Alias("PollNow")]
    Task<SourceStatus> PollNow();

    /// <summary>The status now, answered between the pages of a poll in progress (it only reads).</summary>
    [Alias("GetStatus"), ReadOnly, AlwaysInterleave]
    Task<SourceStatus> GetStatus();

    /// <summary>Stops the source and forgets its configuration, secret and watermark (source or tenant deletion).</summary>
    [Alias("Purge")]
    Task Purge();
}
