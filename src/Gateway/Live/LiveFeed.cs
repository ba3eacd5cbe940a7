using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using Pulso.Gateway.Limits;
using Pulso.Grains.Abstractions.Live;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Metrics;

namespace Pulso.Gateway.Live;

/// <summary>
/// This gateway's end of the live bridge (the GPSTracker shape): one observer registered with the feed grain of
/// every tenant it has subscribers for, renewed every <see cref="LiveOptions.RenewMilliseconds"/>. Subscriptions
/// with the same tenant and query share a view, recomputed at most once per coalescing window when a day it covers
/// changed, and diffed against what its subscribers were last sent. One worker sends every message, so each
/// subscription's versions go out in order, one apart.
/// </summary>
public sealed partial class LiveFeed : BackgroundService, IMetricFeedObserver
{
    private static readonly Gauge s_connections = Metrics.CreateGauge("pulso_live_connections", "Open SignalR connections to /hubs/metrics on this gateway.");
    private static readonly Gauge s_subscriptions = Metrics.CreateGauge("pulso_live_subscriptions", "Open hub subscriptions on this gateway.");
    private static readonly Histogram s_pushSeconds = Metrics.CreateHistogram(
        "pulso_live_push_seconds", "From a change reaching this gateway to its update being handed to SignalR.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 10) });

    private static readonly Histogram s_stageSeconds = Metrics.CreateHistogram(
        "pulso_live_stage_seconds", "A view's work in a window, by stage: late (its recompute after it was due), query (its recompute), send (handing its messages to SignalR).",
        new HistogramConfiguration { LabelNames = ["stage"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 12) });

    private static readonly Histogram s_noticeSeconds = Metrics.CreateHistogram(
        "pulso_live_notice_seconds", "From a day table applying a batch to its notice reaching this gateway (wall clocks of two processes).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 12) });

    private readonly IClusterClient _cluster;
    private readonly IHubContext<MetricsHub> _hub;
    private readonly LiveOptions _options;
    private readonly QueryLimitOptions _limits;
    private readonly ILogger<LiveFeed> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TenantViews> _tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Channel<Subscription> _snapshots = Channel.CreateUnbounded<Subscription>();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _registering = new(1, 1);
    private IMetricFeedObserver? _reference;

    public LiveFeed(IClusterClient cluster, IHubContext<MetricsHub> hub, IOptions<LiveOptions> options, IOptions<QueryLimitOptions> limits, ILogger<LiveFeed> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limits);
        _cluster = cluster;
        _hub = hub;
        _options = options.Value;
        _limits = limits.Value;
        _logger = logger;
    }

    /// <summary>
    /// Opens a subscription of <paramref name="connectionId"/> to <paramref name="query"/> on <paramref name="tenant"/>
    /// and queues its snapshot; throws <see cref="ArgumentException"/> for an invalid query or one over the limits,
    /// <see cref="KeyNotFoundException"/> for a tenant that does not exist.
    /// </summary>
    public async Task<string> SubscribeAsync(string connectionId, string tenant, MetricQueryContract query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_limits.RangeProblem(query) is { } tooLong)
        {
            throw new ArgumentException(tooLong);
        }

        lock (_gate)
        {
            if (_subscriptions.Values.Count(s => s.ConnectionId == connectionId) >= _options.MaxSubscriptionsPerConnection)
            {
                throw new ArgumentException($"this connection holds {_options.MaxSubscriptionsPerConnection} subscriptions already ({LiveOptions.Section}:MaxSubscriptionsPerConnection)");
            }
        }

        // Registered before the first query: a change after this point is either in the result or notified.
        await RegisterAsync(tenant);
        var result = await _cluster.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
        if (_limits.GroupsProblem(result.RowCount) is { } tooMany)
        {
            throw new ArgumentException(tooMany);
        }

        Subscription subscription;
        lock (_gate)
        {
            var views = Views(tenant);
            var key = ViewKey(query);
            if (!views.Views.TryGetValue(key, out var view))
            {
                view = new View(tenant, query) { Rows = LiveRows.From(result.ToResult()) };
                views.Views[key] = view;
            }

            subscription = new Subscription(Guid.NewGuid().ToString("N"), connectionId, view);
            view.Subscriptions.Add(subscription);
            _subscriptions[subscription.Id] = subscription;
            s_subscriptions.Set(_subscriptions.Count);
        }

        _snapshots.Writer.TryWrite(subscription);
        return subscription.Id;
    }

    /// <summary>Closes a subscription of the connection; false when it has none by that id.</summary>
    public bool Unsubscribe(string connectionId, string subscriptionId)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var subscription) || subscription.ConnectionId != connectionId)
            {
                return false;
            }

            Remove(subscription);
            return true;
        }
    }

    /// <summary>A hub connection opened (counted for <c>pulso_live_connections</c>).</summary>
    public static void Connected() => s_connections.Inc();

    /// <summary>A hub connection closed.</summary>
    public static void Disconnected() => s_connections.Dec();

    /// <summary>Closes every subscription of a connection that went away.</summary>
    public void Drop(string connectionId)
    {
        lock (_gate)
        {
            foreach (var subscription in _subscriptions.Values.Where(s => s.ConnectionId == connectionId).ToList())
            {
                Remove(subscription);
            }
        }
    }

    /// <summary>Subscriptions open on this gateway (diagnostics and tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    public Task OnDayChanged(DayChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.AppliedAt is { } applied)
        {
            s_noticeSeconds.Observe(Math.Max(0, (DateTimeOffset.UtcNow - applied).TotalSeconds));
        }

        lock (_gate)
        {
            if (_tenants.TryGetValue(change.Tenant, out var views))
            {
                views.See(change.Day, change.Version, Stopwatch.GetTimestamp());
            }
        }

        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    public Task OnTenantChanged(string tenant, long epoch)
    {
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenant, out var views))
            {
                views.SeeEpoch(epoch, Stopwatch.GetTimestamp());
            }
        }

        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var renewals = RenewLoopAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Snapshots go out as soon as they are asked for. A change goes out at once when its view sent
                // nothing for a window (leading edge), otherwise when the window since the last send is over.
                var wait = NextDue() - Stopwatch.GetTimestamp();
                if (wait > 0 && !_snapshots.Reader.TryPeek(out _))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(Math.Min(1.0, (double)wait / Stopwatch.Frequency)));
                    try
                    {
                        await Task.WhenAny(_snapshots.Reader.WaitToReadAsync(timeout.Token).AsTask(), _wake.Reader.WaitToReadAsync(timeout.Token).AsTask());
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                    finally
                    {
                        // The wait that did not fire is withdrawn, so that no reader is left waiting on a channel.
                        await timeout.CancelAsync();
                    }
                }

                while (_wake.Reader.TryRead(out _))
                {
                }

                while (_snapshots.Reader.TryRead(out var subscription))
                {
                    await SendSnapshotAsync(subscription, stoppingToken);
                }

                await RecomputeAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await renewals;
    }

    /// <summary>When the earliest changed view may be sent (<see cref="Stopwatch"/> ticks; far ahead when nothing changed).</summary>
    private long NextDue()
    {
        var window = (long)(_options.CoalesceMilliseconds / 1000.0 * Stopwatch.Frequency);
        var due = long.MaxValue;
        lock (_gate)
        {
            foreach (var view in _tenants.Values.SelectMany(t => t.Views.Values))
            {
                if (view.Dirty || view.Reset)
                {
                    due = Math.Min(due, view.LastSent == 0 ? 0 : view.LastSent + window);
                }
            }
        }

        return due;
    }

    private async Task RecomputeAsync(CancellationToken cancellationToken)
    {
        List<(View View, bool Reset, long Since)> due;
        var now = Stopwatch.GetTimestamp();
        var window = (long)(_options.CoalesceMilliseconds / 1000.0 * Stopwatch.Frequency);
        lock (_gate)
        {
            due = [.. _tenants.Values.SelectMany(t => t.Views.Values)
                .Where(v => (v.Dirty || v.Reset) && (v.LastSent == 0 || now - v.LastSent >= window))
                .Select(v => (v, v.Reset, v.DirtySince))];
            foreach (var (view, _, _) in due)
            {
                var dueAt = view.LastSent == 0 ? view.DirtySince : Math.Max(view.DirtySince, view.LastSent + window);
                s_stageSeconds.WithLabels("late").Observe(Math.Max(0, (double)(now - dueAt) / Stopwatch.Frequency));
                view.Dirty = false;
                view.Reset = false;

                // The next send is a window away, plus up to an eighth of a window at random. Views recomputed in the
                // same round would otherwise keep one schedule for good, and under steady changes every view of the
                // gateway would end up due at the same instant: one long round (every query, then every message)
                // instead of short ones spread over the window.
                view.LastSent = now + Random.Shared.NextInt64(window / 8 + 1);
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        // Each view is sent as soon as its own recompute is back; a view's messages go out in order, and rounds do
        // not overlap, so each subscription's versions stay in order.
        await Task.WhenAll(due.Select(d => RecomputeViewAsync(d.View, d.Reset, d.Since, cancellationToken)));
    }

    private async Task RecomputeViewAsync(View view, bool reset, long since, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var rows = await QueryAsync(view);
        s_stageSeconds.WithLabels("query").Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        var messages = new List<(Subscription Subscription, string Method, object Payload)>();
        lock (_gate)
        {
            if (rows is null || view.Subscriptions.Count == 0)
            {
                return;
            }

            var previous = view.Rows;
            view.Rows = rows;
            if (reset)
            {
                var all = LiveRows.Json(rows.Values.Select(r => r.Values));
                messages.AddRange(view.Subscriptions.Select(s => (s, "snapshot", (object)new SnapshotMessage(++s.Version, all))));
            }
            else
            {
                var changed = rows.Values.Where(r => !previous.TryGetValue(r.Key, out var before) || before.Fingerprint != r.Fingerprint).Select(r => r.Values).ToList();
                var removed = previous.Values.Where(r => !rows.ContainsKey(r.Key)).Select(r => r.Dimensions).ToList();
                if (changed.Count > 0 || removed.Count > 0)
                {
                    var changedJson = LiveRows.Json(changed);
                    var removedJson = LiveRows.Json(removed);
                    messages.AddRange(view.Subscriptions.Where(s => s.SnapshotSent).Select(s => (s, "update", (object)new UpdateMessage(++s.Version, changedJson, removedJson))));
                }
            }
        }

        var sending = Stopwatch.GetTimestamp();
        foreach (var (subscription, method, payload) in messages)
        {
            await SendAsync(subscription, method, payload, cancellationToken);
        }

        s_stageSeconds.WithLabels("send").Observe(Stopwatch.GetElapsedTime(sending).TotalSeconds);
        if (since != 0)
        {
            s_pushSeconds.Observe(Stopwatch.GetElapsedTime(since).TotalSeconds);
        }
    }

    private async Task<Dictionary<string, LiveRow>?> QueryAsync(View view)
    {
        try
        {
            var result = await _cluster.GetGrain<IMetricQueryGrain>(0).Query(view.Tenant, view.Query);
            return LiveRows.From(result.ToResult());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Left dirty: the next window tries again.
            LogRecomputeFailed(_logger, e, view.Tenant);
            lock (_gate)
            {
                view.Dirty = true;
            }

            return null;
        }
    }

    private async Task SendSnapshotAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        SnapshotMessage message;
        lock (_gate)
        {
            if (!_subscriptions.ContainsKey(subscription.Id))
            {
                return;
            }

            message = new SnapshotMessage(++subscription.Version, LiveRows.Json(subscription.View.Rows.Values.Select(r => r.Values)));
            subscription.SnapshotSent = true;
        }

        await SendAsync(subscription, "snapshot", message, cancellationToken);
    }

    private async Task SendAsync(Subscription subscription, string method, object payload, CancellationToken cancellationToken)
    {
        try
        {
            await _hub.Clients.Client(subscription.ConnectionId).SendAsync(method, subscription.Id, payload, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSendFailed(_logger, e, subscription.ConnectionId);
        }
    }

    private async Task RenewLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.RenewMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                List<string> tenants;
                lock (_gate)
                {
                    tenants = [.. _tenants.Keys];
                }

                foreach (var tenant in tenants)
                {
                    try
                    {
                        await RenewAsync(tenant);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogRenewFailed(_logger, e, tenant);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Registers with the tenant's feed if this gateway is not registered yet.</summary>
    private async Task RegisterAsync(string tenant)
    {
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenant, out var known) && known.Registered)
            {
                return;
            }
        }

        await _registering.WaitAsync();
        try
        {
            _reference ??= _cluster.CreateObjectReference<IMetricFeedObserver>(this);
            var state = await _cluster.GetGrain<ITenantFeedGrain>(GrainKeys.Tenant(tenant)).Subscribe(_reference);
            lock (_gate)
            {
                var views = Views(tenant);
                views.Absorb(state, Stopwatch.GetTimestamp(), baseline: !views.Registered);
                views.Registered = true;
            }
        }
        finally
        {
            _registering.Release();
        }
    }

    /// <summary>Renews the registration, catching up on changes whose notice was lost; unregisters a tenant nobody watches.</summary>
    private async Task RenewAsync(string tenant)
    {
        var feed = _cluster.GetGrain<ITenantFeedGrain>(GrainKeys.Tenant(tenant));
        bool idle;
        lock (_gate)
        {
            idle = !_tenants.TryGetValue(tenant, out var views) || views.Views.Count == 0;
            if (idle)
            {
                _tenants.Remove(tenant);
            }
        }

        if (idle)
        {
            await feed.Unsubscribe(_reference!);
            return;
        }

        var state = await feed.Subscribe(_reference!);
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenant, out var views))
            {
                views.Absorb(state, Stopwatch.GetTimestamp(), baseline: !views.Registered);
                views.Registered = true;
            }
        }

        _wake.Writer.TryWrite(true);
    }

    private TenantViews Views(string tenant)
    {
        if (!_tenants.TryGetValue(tenant, out var views))
        {
            views = new TenantViews();
            _tenants[tenant] = views;
        }

        return views;
    }

    private void Remove(Subscription subscription)
    {
        _subscriptions.Remove(subscription.Id);
        var view = subscription.View;
        view.Subscriptions.Remove(subscription);
        if (view.Subscriptions.Count == 0 && _tenants.TryGetValue(view.Tenant, out var views))
        {
            views.Views.Remove(ViewKey(view.Query));
        }

        s_subscriptions.Set(_subscriptions.Count);
    }

    /// <summary>Identical queries share a view: dates, dimensions and metrics in order, filters by dimension.</summary>
    private static string ViewKey(MetricQueryContract query) => string.Join('\u001e',
        query.From.DayNumber,
        query.To.DayNumber,
        string.Join('\u001f', query.GroupBy),
        string.Join('\u001f', query.Metrics),
        string.Join('\u001f', query.Filters.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}\u001d{string.Join('\u001d', f.Value)}")));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live view of tenant {Tenant} could not be recomputed; retrying next window")]
    private static partial void LogRecomputeFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Live message to connection {ConnectionId} not sent")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live feed registration of tenant {Tenant} not renewed; retrying")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string tenant);

    private sealed class Subscription(string id, string connectionId, View view)
    {
        public string Id { get; } = id;

        public string ConnectionId { get; } = connectionId;

        public View View { get; } = view;

        /// <summary>The version of the last message sent (0 before the snapshot).</summary>
        public long Version { get; set; }

        /// <summary>Updates only follow a snapshot: before it, the snapshot will carry the newer rows anyway.</summary>
        public bool SnapshotSent { get; set; }
    }

    private sealed class View(string tenant, MetricQueryContract query)
    {
        public string Tenant { get; } = tenant;

        public MetricQueryContract Query { get; } = query;

        public Dictionary<string, LiveRow> Rows { get; set; } = new(StringComparer.Ordinal);

        public List<Subscription> Subscriptions { get; } = [];

        /// <summary>A covered day changed since the last recompute.</summary>
        public bool Dirty { get; set; }

        /// <summary>Every figure may have changed (homologation, metrics): subscribers get a fresh snapshot.</summary>
        public bool Reset { get; set; }

        /// <summary>When this view was last recomputed for sending (<see cref="Stopwatch"/> ticks; 0 before).</summary>
        public long LastSent { get; set; }

        /// <summary>When the oldest change not yet sent reached this gateway (<see cref="Stopwatch"/> ticks; 0 when none).</summary>
        public long DirtySince { get; set; }

        public bool Covers(DateOnly day) => day >= Query.From && day <= Query.To;

        public void MarkDirty(long now, bool reset)
        {
            if (!Dirty && !Reset)
            {
                DirtySince = now;
            }

            Dirty = true;
            Reset |= reset;
        }
    }

    private sealed class TenantViews
    {
        private readonly Dictionary<DateOnly, long> _seen = [];
        private long _epoch;

        public Dictionary<string, View> Views { get; } = new(StringComparer.Ordinal);

        public bool Registered { get; set; }

        public void See(DateOnly day, long version, long now)
        {
            if (_seen.TryGetValue(day, out var known) && known >= version)
            {
                return;
            }

            _seen[day] = version;
            foreach (var view in Views.Values.Where(v => v.Covers(day)))
            {
                view.MarkDirty(now, reset: false);
            }
        }

        public void SeeEpoch(long epoch, long now)
        {
            if (epoch <= _epoch)
            {
                return;
            }

            _epoch = epoch;
            foreach (var view in Views.Values)
            {
                view.MarkDirty(now, reset: true);
            }
        }

        /// <summary>Takes in a feed's state at registration or renewal: what it published that we did not see.</summary>
        public void Absorb(FeedState state, long now, bool baseline)
        {
            if (baseline)
            {
                _epoch = state.Epoch;
                foreach (var (day, version) in state.Days)
                {
                    _seen[day] = version;
                }

                return;
            }

            SeeEpoch(state.Epoch, now);
            foreach (var (day, version) in state.Days)
            {
                See(day, version, now);
            }
        }
    }
}
