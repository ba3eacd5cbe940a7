using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Live;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Alerts.Channels;
using Pulso.Grains.Metrics;
using Prometheus;
using Pulso.Grains.Observability;
using Pulso.Grains.Persistence;
using Pulso.Grains.Tenancy;

namespace Pulso.Grains.Alerts;

/// <summary>
/// A tenant's alerts. Day changes arrive one-way from the live feed; the first one after a quiet spell is evaluated at
/// once, later ones within <see cref="AlertOptions.CoalesceMilliseconds"/> of an evaluation wait for the window to end
/// and are judged together, so a burst of batches costs one query per rule window and window, not one per batch. Each evaluation asks the query worker for the figures of every window (down
/// the flow; nothing upstream is called back), lets <see cref="AlertJudge"/> decide, and persists the firings, the
/// history and the outbox in one write before anything is sent. Deliveries are retried from the outbox with backoff
/// on a grain timer; a reminder (while there are rules or pending notifications) brings the grain back after a silo
/// is lost, re-evaluates windows that move with the clock and resumes deliveries.
/// </summary>
public sealed partial class AlertGrain(
    [PersistentState("alerts", "pulso")] IPersistentState<AlertState> state,
    NotificationDispatcher dispatcher,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<AlertGrain> logger) : Grain, IAlertGrain, IRemindable
{
    public const string ReminderName = "alerts";

    /// <summary>Deliveries attempted at once; the rest wait for the next tick.</summary>
    private const int MaxDeliveriesPerTick = 32;

    private readonly AlertOptions _options = options.Value;
    private string _tenant = string.Empty;
    private IGrainTimer? _evaluationTimer;
    private IGrainTimer? _deliveryTimer;
    private bool _dirty;
    private bool _evaluationScheduled;
    private bool _purged;
    private TimeZoneInfo? _zone;
    private long? _lastEvaluation;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.FormatVersion > AlertState.CurrentFormat)
        {
            throw new UnsupportedFormatVersionException("alert state", state.State.FormatVersion, AlertState.CurrentFormat);
        }

        _tenant = GrainKeys.TenantOf(this.GetPrimaryKeyString());
        _evaluationTimer = this.RegisterGrainTimer(OnEvaluationTimerAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        _deliveryTimer = this.RegisterGrainTimer(DeliverDueAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        if (state.State.Outbox.Count > 0)
        {
            // Persisted and not yet delivered (a silo was lost, or the grain was collected between retries): resume now.
            _deliveryTimer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        if (state.State.Rules.Count > 0)
        {
            // Changes may have been missed while no activation listened (one-way notices are not queued anywhere).
            MarkDirty();
        }

        if ((state.State.Rules.Count > 0 || state.State.Outbox.Count > 0) && await this.GetReminder(ReminderName, cancellationToken) is null)
        {
            await RegisterReminderAsync();
        }
    }

    public Task<IReadOnlyList<AlertRuleView>> List() =>
        Task.FromResult<IReadOnlyList<AlertRuleView>>([.. state.State.Rules.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(View)]);

    public Task<AlertRuleView?> Get(string name) =>
        Task.FromResult(state.State.Rules.TryGetValue(name ?? string.Empty, out var rule) ? View(rule) : null);

    public async Task<AlertPutResult> Put(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var settings = await GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(_tenant)).GetSettings()
            ?? throw new KeyNotFoundException($"tenant '{_tenant}' does not exist");
        var catalog = settings.Metrics.ToCatalog(out _);
        var problems = AlertRuleCheck.Problems(rule, catalog.Contains, _options.SendGrid.IsConfigured);
        var created = !state.State.Rules.ContainsKey(rule.Name);
        if (created && state.State.Rules.Count >= AlertRuleCheck.MaxRules)
        {
            problems.Add($"name: the tenant has {AlertRuleCheck.MaxRules} rules already, the most it may have");
        }

        if (problems.Count > 0)
        {
            return new AlertPutResult(created, problems);
        }

        if (state.State.Rules.TryGetValue(rule.Name, out var previous) && !SameJudgement(previous, rule))
        {
            // What "firing" meant has changed: the groups start over (resolved silently), the cooldown included.
            state.State.Groups.Remove(rule.Name);
        }

        state.State.Rules[rule.Name] = rule;
        await RegisterReminderAsync();
        await WriteAsync();
        MarkDirty();
        return new AlertPutResult(created, []);
    }

    public async Task<bool> Delete(string name)
    {
        if (name is null || !state.State.Rules.Remove(name))
        {
            return false;
        }

        state.State.Groups.Remove(name);
        await WriteAsync();
        return true;
    }

    public Task<IReadOnlyList<AlertEvent>> History(int limit)
    {
        var history = state.State.History;
        var take = Math.Clamp(limit, 0, history.Count);
        return Task.FromResult<IReadOnlyList<AlertEvent>>([.. Enumerable.Range(0, take).Select(i => history[history.Count - 1 - i])]);
    }

    public Task<IReadOnlyList<PendingNotification>> Pending() =>
        Task.FromResult<IReadOnlyList<PendingNotification>>(
            [.. state.State.Outbox.Select(e => new PendingNotification(e.Id, e.Notification.Rule, e.Channel.Type, e.Attempts, e.NextAttemptAt, e.LastError))]);

    public Task OnDayChanged(DayChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (state.State.Rules.Count > 0 && MayConcernAWindow(change.Day))
        {
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    public Task OnTenantChanged()
    {
        _zone = null;
        if (state.State.Rules.Count > 0)
        {
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    public async Task Purge()
    {
        _purged = true;
        _evaluationTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deliveryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await state.ClearStateAsync();
        state.State = new AlertState();
        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName || _purged)
        {
            return;
        }

        if (state.State.Rules.Count == 0 && state.State.Outbox.Count == 0)
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        // Windows move with the clock (a new day, hours leaving a window, a cooldown ending): judge again.
        if (state.State.Rules.Count > 0)
        {
            MarkDirty();
        }

        await DeliverDueAsync(CancellationToken.None);
    }

    /// <summary>
    /// Asks for an evaluation: at once after a quiet spell, else when the coalescing window since the last one ends,
    /// so that a steady stream of batches costs at most one evaluation per window and a lone crossing waits for none.
    /// </summary>
    private void MarkDirty()
    {
        _dirty = true;
        if (!_evaluationScheduled && _evaluationTimer is not null)
        {
            _evaluationScheduled = true;
            var wait = _lastEvaluation is { } last ? TimeSpan.FromMilliseconds(_options.CoalesceMilliseconds) - time.GetElapsedTime(last) : TimeSpan.Zero;
            _evaluationTimer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task OnEvaluationTimerAsync(CancellationToken cancellationToken)
    {
        _evaluationScheduled = false;
        if (!_dirty || _purged)
        {
            return;
        }

        _dirty = false;
        _lastEvaluation = time.GetTimestamp();
        try
        {
            await EvaluateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Judged again at the next change or reminder tick; nothing was half written (one write per evaluation).
            LogEvaluationFailed(logger, e, _tenant);
        }
    }

    /// <summary>A change of a day outside every window (an old import) needs no evaluation.</summary>
    private bool MayConcernAWindow(DateOnly day)
    {
        if (_zone is null)
        {
            return true;
        }

        var today = TenantClock.Today(_zone, time);
        var oldest = today.AddDays(-((AlertRuleCheck.MaxHours + 22) / 24));
        return day >= oldest && day <= today.AddDays(1);
    }

    private async Task EvaluateAsync()
    {
        using var timer = PulsoMetrics.AlertEvaluationSeconds.NewTimer();
        var settings = await GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(_tenant)).GetSettings();
        if (settings is null || _purged)
        {
            return;
        }

        _zone = TenantClock.Zone(settings.TimeZone);
        var catalog = settings.Metrics.ToCatalog(out _);
        var localNow = TenantClock.LocalNow(_zone, time);
        var rules = state.State.Rules.Values.Where(r => r.Enabled && catalog.Contains(r.Metric)).ToList();
        var queries = rules
            .GroupBy(r => (r.Window, r.Hours, r.Scope))
            .Select(g =>
            {
                var window = AlertWindow.Of(g.Key.Window, g.Key.Hours, localNow);
                string[] metrics = [.. g.Select(r => r.Metric).Append("total_gestiones").Distinct(StringComparer.Ordinal)];
                var query = window.Query(AlertVocabulary.GroupBy(g.Key.Scope), metrics);
                return (Rules: g.ToList(), Answer: GrainFactory.GetGrain<IMetricQueryGrain>(0).Query(_tenant, query));
            })
            .ToList();
        await Task.WhenAll(queries.Select(q => q.Answer));
        if (_purged)
        {
            return;
        }

        var now = time.GetUtcNow();
        var changed = false;
        var fired = 0;
        foreach (var (group, answer) in queries)
        {
            var result = await answer;
            foreach (var rule in group)
            {
                var groups = state.State.Groups.TryGetValue(rule.Name, out var known) ? known : [];
                foreach (var transition in AlertJudge.Judge(rule, groups, Figures(result, rule.Metric), now))
                {
                    changed = true;
                    if (transition.Kind == AlertTransitionKind.Fire)
                    {
                        Fire(rule, transition.Figures, now);
                        fired++;
                    }
                    else
                    {
                        Resolve(rule, transition.Figures, now);
                    }
                }
            }
        }

        if (!changed)
        {
            return;
        }

        // The firing, its history and its notifications in one write, before any attempt to send them.
        await WriteAsync();
        if (fired > 0)
        {
            await DeliverDueAsync(CancellationToken.None);
        }
    }

    private void Fire(AlertRule rule, GroupFigures figures, DateTimeOffset now)
    {
        var groups = state.State.Groups.TryGetValue(rule.Name, out var known) ? known : state.State.Groups[rule.Name] = new(StringComparer.Ordinal);
        var runtime = groups.TryGetValue(figures.Group, out var g) ? g : groups[figures.Group] = new GroupRuntime();
        runtime.Firing = true;
        runtime.LastFiredAt = now;
        if (state.State.Epoch.Length == 0)
        {
            state.State.Epoch = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
        }

        var id = $"{_tenant}-{state.State.Epoch}-{++state.State.Sequence}";
        var notification = new Notification(
            id, _tenant, rule.Name, rule.Metric, rule.Scope, figures.Group, figures.Value, figures.Decimals, rule.Comparator, rule.Threshold,
            AlertWindow.Describe(rule), figures.Volume, now, _options.DashboardUrl.Replace("{tenant}", Uri.EscapeDataString(_tenant), StringComparison.Ordinal));
        foreach (var channel in rule.Channels)
        {
            state.State.Outbox.Add(new OutboxEntry { Id = id, Channel = channel, Notification = notification, NextAttemptAt = now });
        }

        Record(new AlertEvent(now, rule.Name, AlertVocabulary.Firing, figures.Group, rule.Metric, figures.Value, rule.Comparator, rule.Threshold, figures.Volume, id));
        PulsoMetrics.AlertEvents.WithLabels(_tenant, AlertVocabulary.Firing).Inc();
        LogFired(logger, _tenant, rule.Name, figures.Group, id);
    }

    private void Resolve(AlertRule rule, GroupFigures figures, DateTimeOffset now)
    {
        state.State.Groups[rule.Name][figures.Group].Firing = false;
        Record(new AlertEvent(now, rule.Name, AlertVocabulary.Resolved, figures.Group, rule.Metric, figures.Value, rule.Comparator, rule.Threshold, figures.Volume, null));
        PulsoMetrics.AlertEvents.WithLabels(_tenant, AlertVocabulary.Resolved).Inc();
    }

    private void Record(AlertEvent entry)
    {
        var history = state.State.History;
        if (history.Count >= _options.HistoryCapacity)
        {
            history.RemoveRange(0, history.Count - _options.HistoryCapacity + 1);
        }

        history.Add(entry);
    }

    /// <summary>Attempts the notifications that are due, records how each went, and sets the timer for the next one.</summary>
    private async Task DeliverDueAsync(CancellationToken cancellationToken)
    {
        var outbox = state.State.Outbox;
        var now = time.GetUtcNow();
        var due = outbox.Where(e => e.NextAttemptAt <= now).Take(MaxDeliveriesPerTick).ToList();
        if (due.Count > 0 && !_purged)
        {
            var results = await Task.WhenAll(due.Select(e => dispatcher.DeliverAsync(e, cancellationToken)));
            if (_purged)
            {
                return;
            }

            now = time.GetUtcNow();
            for (var i = 0; i < due.Count; i++)
            {
                Settle(due[i], results[i], now);
            }

            await WriteAsync();
        }

        if (outbox.Count > 0 && !_purged)
        {
            var next = outbox.Min(e => e.NextAttemptAt) - time.GetUtcNow();
            _deliveryTimer?.Change(next > TimeSpan.Zero ? next : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private void Settle(OutboxEntry entry, DeliveryResult result, DateTimeOffset now)
    {
        entry.Attempts++;
        entry.LastError = result.Error;
        var channel = entry.Channel.Type;
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                state.State.Outbox.Remove(entry);
                PulsoMetrics.Notifications.WithLabels(channel, "delivered").Inc();
                PulsoMetrics.NotificationDelaySeconds.WithLabels(channel).Observe(Math.Max(0, (now - entry.Notification.FiredAt).TotalSeconds));
                return;
            case DeliveryOutcome.Retry when entry.Attempts < _options.MaxAttempts:
                var backoff = TimeSpan.FromMilliseconds(Math.Min(_options.RetryBaseMilliseconds * Math.Pow(2, entry.Attempts - 1), _options.RetryMaxSeconds * 1000.0));
                entry.NextAttemptAt = now + backoff;
                PulsoMetrics.Notifications.WithLabels(channel, "retried").Inc();
                LogRetry(logger, _tenant, entry.Id, channel, entry.Attempts, result.Error, backoff);
                return;
            default:
                state.State.Outbox.Remove(entry);
                var outcome = result.Outcome == DeliveryOutcome.Rejected ? "rejected" : "abandoned";
                PulsoMetrics.Notifications.WithLabels(channel, outcome).Inc();
                var n = entry.Notification;
                Record(new AlertEvent(now, n.Rule, AlertVocabulary.Undelivered, n.Group, n.Metric, n.Value, n.Comparator, n.Threshold, n.Volume, n.Id)
                {
                    Detail = $"{channel}: {outcome} after {entry.Attempts.ToString(CultureInfo.InvariantCulture)} attempts: {result.Error}",
                });
                LogUndelivered(logger, _tenant, entry.Id, channel, entry.Attempts, result.Error);
                return;
        }
    }

    private async Task WriteAsync()
    {
        if (state.State.Epoch.Length == 0)
        {
            state.State.Epoch = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
        }

        await state.WriteStateAsync();
    }

    private Task<IGrainReminder> RegisterReminderAsync() =>
        this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    private AlertRuleView View(AlertRule rule)
    {
        var groups = state.State.Groups.TryGetValue(rule.Name, out var known) ? known : [];
        return new AlertRuleView(
            rule with { Channels = [.. rule.Channels.Select(Redact)] },
            [.. groups.Where(g => g.Value.Firing).Select(g => g.Key).Order(StringComparer.Ordinal)],
            groups.Values.Max(g => g.LastFiredAt));
    }

    /// <summary>Slack URLs embed a token and secrets sign webhooks: a view shows a URL's origin only, never a secret.</summary>
    private static AlertChannel Redact(AlertChannel channel) => channel with
    {
        Url = channel.Url is null ? null : Uri.TryCreate(channel.Url, UriKind.Absolute, out var uri) ? $"{uri.GetLeftPart(UriPartial.Authority)}/…" : "…",
        Secret = null,
    };

    /// <summary>Whether two versions of a rule judge the same way (only channels, cooldown or the switch differ).</summary>
    private static bool SameJudgement(AlertRule a, AlertRule b) =>
        a.Metric == b.Metric && a.Scope == b.Scope && a.Comparator == b.Comparator && a.Threshold == b.Threshold
        && a.Window == b.Window && a.Hours == b.Hours && a.MinGestiones == b.MinGestiones;

    /// <summary>Each group's volume and value for <paramref name="metric"/> in a query answer.</summary>
    private static List<GroupFigures> Figures(QueryResultContract result, string metric)
    {
        var volume = result.Metrics.Single(m => m.Name == "total_gestiones");
        var column = result.Metrics.Single(m => m.Name == metric);
        var decimals = column.Kind switch { "integer" => 0, "money" => 2, _ => 4 };
        var scale = decimals switch { 0 => 1m, 2 => 100m, _ => 10_000m };
        var figures = new List<GroupFigures>(result.RowCount);
        for (var row = 0; row < result.RowCount; row++)
        {
            var group = result.DimensionColumns.Length == 0 ? string.Empty : result.DimensionColumns[0][row];
            decimal? value = column.Nulls is { } nulls && nulls[row] ? null : column.Values[row] / scale;
            figures.Add(new GroupFigures(group, volume.Values[row], value, decimals));
        }

        return figures;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alerts of {Tenant}: evaluation failed; judged again at the next change")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alerts of {Tenant}: rule {Rule} fired for '{Group}' as {Id}")]
    private static partial void LogFired(ILogger logger, string tenant, string rule, string group, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alerts of {Tenant}: notification {Id} by {Channel} failed (attempt {Attempts}: {Error}); retrying in {Backoff}")]
    private static partial void LogRetry(ILogger logger, string tenant, string id, string channel, int attempts, string? error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alerts of {Tenant}: notification {Id} by {Channel} given up after {Attempts} attempts: {Error}")]
    private static partial void LogUndelivered(ILogger logger, string tenant, string id, string channel, int attempts, string? error);
}
