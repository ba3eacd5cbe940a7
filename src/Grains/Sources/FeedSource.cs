namespace Pulso.Grains.Sources;

/// <summary>
/// What every paged source (SQL, BigQuery, REST, SOAP) does alike: its feeds (gestiones, then jornadas) read in turn
/// from one combined watermark, the page in flight replayed over its recorded span, a settle horizon per feed, and
/// the lag since the source was first seen behind. A subclass reads one page of one feed.
/// </summary>
public abstract class FeedSource : IGestionSource
{
    private readonly TimeProvider _time;
    private DateTimeOffset? _behindSince;

    protected FeedSource(IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(feeds);
        Feeds = feeds;
        _time = time;
        foreach (var feed in feeds)
        {
            Horizons[feed.Feed] = new SettleHorizon(time, settleLag);
        }
    }

    protected IReadOnlyList<FeedPlan> Feeds { get; }

    /// <summary>The settle horizon of each feed, by feed name.</summary>
    protected Dictionary<string, SettleHorizon> Horizons { get; } = new(StringComparer.Ordinal);

    public async Task<SourcePage?> ReadAsync(string? watermark, int pageSize, CancellationToken ct)
    {
        var mark = FeedWatermark.Parse(watermark);
        foreach (var feed in Feeds)
        {
            if (await ReadFeedAsync(feed, mark, pageSize, replayTo: null, ct) is { } page)
            {
                return page;
            }
        }

        _behindSince = null;
        return null;
    }

    public async Task<SourcePage?> ReplayAsync(string? watermark, int rows, string replayTo, CancellationToken ct)
    {
        var mark = FeedWatermark.Parse(watermark);
        var to = FeedWatermark.Parse(replayTo);
        foreach (var feed in Feeds)
        {
            if (to[feed.Feed] is { } end && (mark[feed.Feed] is not { } start || end.CompareTo(start) != 0))
            {
                return await ReadFeedAsync(feed, mark, rows, end, ct);
            }
        }

        return await ReadAsync(watermark, rows, ct);
    }

    public double LagSeconds(string? watermark) => _behindSince is { } since ? Math.Max(0, (_time.GetUtcNow() - since).TotalSeconds) : 0;

    /// <summary>Records that rows exist past the settle horizon: the lag counts from the first time this is seen.</summary>
    protected void MarkBehind() => _behindSince ??= _time.GetUtcNow();

    /// <summary>
    /// The next page of <paramref name="feed"/> after <paramref name="mark"/>, or null when it has nothing settled;
    /// with <paramref name="replayTo"/>, exactly the rows up to that position (the page in flight at a crash).
    /// </summary>
    protected abstract Task<SourcePage?> ReadFeedAsync(FeedPlan feed, FeedWatermark mark, int pageSize, Position? replayTo, CancellationToken ct);
}
