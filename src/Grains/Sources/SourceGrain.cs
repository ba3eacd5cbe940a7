using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Observability;

namespace Pulso.Grains.Sources;

/// <summary>What a source grain persists (Orleans binary serializer).</summary>
[GenerateSerializer, Alias("pulso.SourceState")]
public sealed class SourceState
{
    [Id(0)]
    public int FormatVersion { get; set; } = 1;

    [Id(1)]
    public SourceConfig? Config { get; set; }

    [Id(2)]
    public bool Running { get; set; }

    [Id(3)]
    public string? Watermark { get; set; }

    [Id(4)]
    public long Rows { get; set; }

    [Id(5)]
    public long Accepted { get; set; }

    [Id(6)]
    public Dictionary<string, long> Rejected { get; set; } = [];

    [Id(7)]
    public long Batches { get; set; }

    /// <summary>
    /// Rows of the page being handed off, recorded before the hand-off: a page replayed after a crash is read with
    /// exactly this size, so it covers the same rows (and carries the same batch ids) even if the configured page
    /// size changed meanwhile. Zero when no page is in flight.
    /// </summary>
    [Id(8)]
    public int InFlightRows { get; set; }
}

/// <summary>
/// Pulls a tenant's source on a grain timer (kept alive while running) with a reminder as watchdog that
/// re-activates it after a silo loss. Each page goes to the day tables as batches named after the page's
/// position, and only then is the watermark advanced and persisted: a crash in between replays the page,
/// and the day tables drop what they already have. Failures back off exponentially and are reported.
/// </summary>
public sealed partial class SourceGrain(
    [PersistentState("source", "pulso")] IPersistentState<SourceState> state,
    TimeProvider time,
    ILogger<SourceGrain> logger) : Grain, ISourceGrain, IRemindable
{
    private const string Watchdog = "source-watchdog";
    private const int MaxPagesPerTick = 20;
    private string _tenant = string.Empty;
    private IGestionSource? _source;
    private IGrainTimer? _timer;
    private string? _lastError;
    private DateTimeOffset? _lastPollAt;
    private int _failures;
    private DateTimeOffset _nextAttempt;
    private double _lag;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tenant = GrainKeys.TenantOf(this.GetPrimaryKeyString());
        if (state.State.Running)
        {
            await EnsureTimerAsync();
        }
    }

    public async Task<IReadOnlyList<string>> Configure(SourceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = Validate(config);
        if (problems.Count == 0)
        {
            var changed = state.State.Config is { } old && (old.Kind != config.Kind || old.Location != config.Location);
            state.State.Config = config;
            if (changed)
            {
                state.State.Watermark = null; // another source: start from its beginning
                state.State.InFlightRows = 0;
            }

            _source = null;
            await state.WriteStateAsync();
            if (state.State.Running)
            {
                _timer?.Dispose();
                _timer = null;
                await EnsureTimerAsync();
            }
        }

        return problems;
    }

    public async Task Start()
    {
        if (state.State.Config is null)
        {
            throw new InvalidOperationException($"source {this.GetPrimaryKeyString()} has no configuration");
        }

        state.State.Running = true;
        await state.WriteStateAsync();
        await EnsureTimerAsync();
    }

    public async Task Stop()
    {
        state.State.Running = false;
        await state.WriteStateAsync();
        _timer?.Dispose();
        _timer = null;
        var reminder = await this.GetReminder(Watchdog);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<SourceStatus> PollNow()
    {
        await PollAsync(force: true, CancellationToken.None);
        return Status();
    }

    public Task<SourceStatus> GetStatus() => Task.FromResult(Status());

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        state.State.Running ? EnsureTimerAsync() : Task.CompletedTask;

    private async Task EnsureTimerAsync()
    {
        if (_timer is null)
        {
            var interval = TimeSpan.FromSeconds(Math.Max(0.1, state.State.Config?.PollIntervalSeconds ?? 10));
            _timer = this.RegisterGrainTimer(ct => PollAsync(force: false, ct), new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = interval,
                KeepAlive = true,
            });
        }

        // Reminders tick at most once a minute: a watchdog, not the cadence.
        await this.RegisterOrUpdateReminder(Watchdog, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    private async Task PollAsync(bool force, CancellationToken ct)
    {
        var config = state.State.Config;
        if (config is null || (!force && time.GetUtcNow() < _nextAttempt))
        {
            return;
        }

        _lastPollAt = time.GetUtcNow();
        // A poll begins its own trace (no request asked for it); the day tables' calls join it.
        using var span = PulsoTracing.Source.StartActivity("source poll", ActivityKind.Internal);
        span?.SetTag(PulsoTracing.TenantTag, _tenant).SetTag("pulso.source", SourceName);
        try
        {
            _source ??= await CreateSourceAsync(config);
            for (var pages = 0; pages < MaxPagesPerTick; pages++)
            {
                var replaying = state.State.InFlightRows > 0;
                var page = await _source.ReadAsync(state.State.Watermark, replaying ? state.State.InFlightRows : config.PageSize, ct);
                if (page is null)
                {
                    _lag = _source.LagSeconds(state.State.Watermark);
                    break;
                }

                if (!replaying && page.Rows > 0)
                {
                    state.State.InFlightRows = (int)page.Rows;
                    await state.WriteStateAsync(CancellationToken.None);
                }

                await HandOffAsync(page);
                _lag = page.LagSeconds;
                PulsoMetrics.SourceLagSeconds.WithLabels(_tenant, SourceName).Set(_lag);
                if (!page.More)
                {
                    break;
                }
            }

            _failures = 0;
            _lastError = null;
            span?.SetTag("pulso.watermark", state.State.Watermark);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failures++;
            _lastError = $"{e.GetType().Name}: {e.Message}";
            var backoff = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(_failures, 9))));
            _nextAttempt = time.GetUtcNow() + backoff;
            LogPollFailed(logger, e, this.GetPrimaryKeyString(), _failures, backoff.TotalSeconds);
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
        }
    }

    private async Task HandOffAsync(SourcePage page)
    {
        var batchId = $"{this.GetPrimaryKeyString()}|{page.PageId}";
        var jornadasByDay = page.Jornadas.GroupBy(j => j.Fecha).ToDictionary(g => g.Key, g => g.Select(j => (j.Ejecutivo, j.HorasCents)).ToList());
        var days = page.Gestiones.Days().Select(DateOnly.FromDayNumber).Union(jornadasByDay.Keys).Order().ToList();
        var sends = new List<Task<ApplyResult>>();
        foreach (var day in days)
        {
            var batch = page.Gestiones.ToDayBatch(batchId, day, jornadasByDay.GetValueOrDefault(day));
            sends.Add(GrainFactory.GetGrain<IMetricTableGrain>(GrainKeys.Day(_tenant, day)).Apply(batch));
        }

        await Task.WhenAll(sends);
        var s = state.State;
        s.Watermark = page.NextWatermark;
        s.InFlightRows = 0;
        s.Rows += page.Rows;
        s.Accepted += page.Gestiones.Count + page.Jornadas.Count;
        s.Batches += sends.Count;
        foreach (var reason in RejectReasons.All)
        {
            if (page.Rejects[reason] > 0)
            {
                var name = RejectReasons.Name(reason);
                s.Rejected[name] = s.Rejected.GetValueOrDefault(name) + page.Rejects[reason];
                PulsoMetrics.IngestRejects.WithLabels(_tenant, name).Inc(page.Rejects[reason]);
            }
        }

        if (page.OtherTenants > 0)
        {
            s.Rejected["cliente_ajeno"] = s.Rejected.GetValueOrDefault("cliente_ajeno") + page.OtherTenants;
        }

        if (page.JornadasRejected > 0)
        {
            s.Rejected["jornada_invalida"] = s.Rejected.GetValueOrDefault("jornada_invalida") + page.JornadasRejected;
        }

        await state.WriteStateAsync();
    }

    private async Task<IGestionSource> CreateSourceAsync(SourceConfig config)
    {
        switch (config.Kind)
        {
            case "file":
                return new FileSource(_tenant, config.Location!);
            case "simulator":
                var settings = await GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(_tenant)).GetSettings();
                var zone = TimeZoneInfo.FindSystemTimeZoneById(settings?.TimeZone ?? "UTC");
                return new SimulatorSource(_tenant, zone, time);
            default:
                throw new InvalidOperationException($"unknown source kind '{config.Kind}'");
        }
    }

    private string SourceName => this.GetPrimaryKeyString()[(_tenant.Length + 1)..];

    private SourceStatus Status()
    {
        var s = state.State;
        return new SourceStatus(s.Running, s.Watermark, s.Rows, s.Accepted, new Dictionary<string, long>(s.Rejected), s.Batches, _lag, _lastError, _lastPollAt, _failures);
    }

    private static List<string> Validate(SourceConfig config)
    {
        var problems = new List<string>();
        if (config.Kind is not ("file" or "simulator"))
        {
            problems.Add($"kind '{config.Kind}' is not one of file, simulator");
        }

        if (config.Kind == "file" && string.IsNullOrWhiteSpace(config.Location))
        {
            problems.Add("location (a folder) is required for a file source");
        }

        if (!double.IsFinite(config.PollIntervalSeconds) || config.PollIntervalSeconds is < 0.1 or > 86_400)
        {
            problems.Add("pollIntervalSeconds must be between 0.1 and 86400");
        }

        if (config.PageSize is < 1 or > 1_000_000)
        {
            problems.Add("pageSize must be between 1 and 1000000");
        }

        return problems;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {Key}: poll failed ({Failures} in a row), next attempt in {Seconds} s")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string key, int failures, double seconds);
}
