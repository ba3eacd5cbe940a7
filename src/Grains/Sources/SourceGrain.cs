using System.Diagnostics;
using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Observability;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Sources;

/// <summary>What a source grain persists (Orleans binary serializer).</summary>
[GenerateSerializer, Alias("pulso.SourceState")]
public sealed class SourceState
{
    public const int CurrentFormat = 2;

    /// <summary>1: no secrets nor replay bound; 2: <see cref="SealedSecret"/> and <see cref="InFlightNext"/>.</summary>
    [Id(0)]
    public int FormatVersion { get; set; } = CurrentFormat;

    /// <summary>The configuration without its secret (<see cref="SourceConfig.Secret"/> is always null here).</summary>
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

    /// <summary>The watermark after the page in flight: a replay reads up to exactly there (null when none is in flight).</summary>
    [Id(9)]
    public string? InFlightNext { get; set; }

    /// <summary>The source's secret sealed by <see cref="SourceSecrets"/> for this grain's key; never in clear at rest.</summary>
    [Id(10)]
    public string? SealedSecret { get; set; }
}

/// <summary>
/// Pulls a tenant's source on a grain timer (kept alive while running) with a reminder as watchdog that
/// re-activates it after a silo loss. Each page goes to the day tables as batches named after the page's
/// position, and only then is the watermark advanced and persisted: a crash in between replays the page,
/// and the day tables drop what they already have. Transient failures are retried at once (Polly, exponential
/// with jitter); a poll that still fails backs off, with jitter, before the next, and is reported.
/// </summary>
public sealed partial class SourceGrain(
    [PersistentState("source", "pulso")] IPersistentState<SourceState> state,
    SourceSecrets secrets,
    TimeProvider time,
    ILogger<SourceGrain> logger) : Grain, ISourceGrain, IRemindable
{
    private const string Watchdog = "source-watchdog";
    private const int MaxPagesPerTick = 20;
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(100) };
    private static readonly ResiliencePipeline s_retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
        MaxRetryAttempts = 3,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(200),
    }).Build();

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
        if (state.State.FormatVersion > SourceState.CurrentFormat)
        {
            throw new UnsupportedFormatVersionException("source state", state.State.FormatVersion, SourceState.CurrentFormat);
        }

        // Key rotation: a secret sealed with a previous key is sealed again with the current one.
        if (state.State.SealedSecret is { } sealedSecret && secrets.IsStale(sealedSecret))
        {
            state.State.SealedSecret = secrets.Seal(secrets.Open(sealedSecret, Owner), Owner);
            await state.WriteStateAsync(cancellationToken);
            LogResealed(logger, Owner, secrets.CurrentKeyId);
        }

        if (state.State.Running)
        {
            await EnsureTimerAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await DropSourceAsync();

    public async Task<IReadOnlyList<string>> Configure(SourceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string? secret;
        try
        {
            secret = config.Secret == SourceConfig.MaskedSecret
                ? (state.State.SealedSecret is { } kept ? secrets.Open(kept, Owner) : null)
                : config.Secret;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return [$"secret: the saved secret cannot be opened ({e.Message}); send it again"];
        }

        var problems = SourceKinds.Validate(config, secret, out _, secrets.Options);
        if (problems.Count > 0)
        {
            return problems;
        }

        var stored = config with { Secret = null };
        string? sealedSecret;
        try
        {
            sealedSecret = string.IsNullOrEmpty(secret) ? null : secrets.Seal(secret, Owner);
        }
        catch (InvalidOperationException e)
        {
            return [$"secret: {e.Message}"];
        }

        if (state.State.Config is { } old && !SameOrigin(old, stored))
        {
            state.State.Watermark = null; // another origin: start from its beginning
            state.State.InFlightRows = 0;
            state.State.InFlightNext = null;
        }

        state.State.Config = stored;
        state.State.SealedSecret = sealedSecret;
        state.State.FormatVersion = SourceState.CurrentFormat;
        await DropSourceAsync();
        await state.WriteStateAsync();
        if (state.State.Running)
        {
            _timer?.Dispose();
            _timer = null;
            await EnsureTimerAsync();
        }

        return [];
    }

    public Task<SourceConfig?> GetConfig() =>
        Task.FromResult(state.State.Config is { } config ? config with { Secret = state.State.SealedSecret is null ? null : SourceConfig.MaskedSecret } : null);

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

    public async Task Purge()
    {
        if (state.State.Config is not null || state.State.Running)
        {
            await Stop();
        }

        await DropSourceAsync();
        await state.ClearStateAsync();
        state.State = new SourceState();
        _lastError = null;
        _failures = 0;
        _lag = 0;
        PulsoMetrics.SourceLagSeconds.RemoveLabelled(_tenant, SourceName);
        DeactivateOnIdle();
    }

    public async Task<SourceStatus> PollNow()
    {
        await PollAsync(force: true, CancellationToken.None);
        return Status();
    }

    public Task<SourceStatus> GetStatus() => Task.FromResult(Status());

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        state.State.Running ? EnsureTimerAsync() : Task.CompletedTask;

    private string Owner => this.GetPrimaryKeyString();

    private string SourceName => this.GetPrimaryKeyString()[(_tenant.Length + 1)..];

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
            var s = state.State;
            var pending = s.InFlightRows > 0
                ? ReadAsync(source => s.InFlightNext is { } next
                    ? source.ReplayAsync(s.Watermark, s.InFlightRows, next, ct)
                    : source.ReadAsync(s.Watermark, s.InFlightRows, ct), ct)
                : ReadAsync(source => source.ReadAsync(s.Watermark, config.PageSize, ct), ct);
            for (var pages = 0; pages < MaxPagesPerTick; pages++)
            {
                var page = await pending;
                if (page is null)
                {
                    _lag = _source.LagSeconds(state.State.Watermark);
                    break;
                }

                if (s.InFlightRows == 0 && page.Rows > 0)
                {
                    s.InFlightRows = (int)page.Rows;
                    s.InFlightNext = page.NextWatermark;
                    await state.WriteStateAsync(CancellationToken.None);
                }

                // The next page is read while this one is applied: it depends on this page's end only, and it is
                // recorded as in flight only once this one's watermark is saved.
                Task<SourcePage?>? prefetch = null;
                if (page.More && pages + 1 < MaxPagesPerTick)
                {
                    var after = page.NextWatermark;
                    prefetch = ReadAsync(source => source.ReadAsync(after, config.PageSize, ct), ct);
                }

                try
                {
                    await HandOffAsync(page);
                }
                catch
                {
                    if (prefetch is not null)
                    {
                        await prefetch.ContinueWith(static t => t.Exception, TaskScheduler.Current);
                    }

                    throw;
                }

                _lag = page.LagSeconds;
                if (prefetch is null)
                {
                    break;
                }

                pending = prefetch;
            }

            _failures = 0;
            _lastError = null;
            span?.SetTag("pulso.watermark", state.State.Watermark);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _failures++;
            _lastError = Scrub($"{e.GetType().Name}: {e.Message}");
            // Exponential, capped at 5 minutes, plus up to a quarter more at random so that sources failing
            // together (a database restarting) do not all come back at the same instant.
            var seconds = Math.Min(300, Math.Pow(2, Math.Min(_failures, 9)));
            var backoff = TimeSpan.FromSeconds(seconds * (1 + (Random.Shared.NextDouble() * 0.25)));
            _nextAttempt = time.GetUtcNow() + backoff;
            PulsoMetrics.SourceErrors.WithLabels(_tenant, SourceName).Inc();
            LogPollFailed(logger, _lastError, Owner, _failures, backoff.TotalSeconds);
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
        }
        finally
        {
            PulsoMetrics.SourceLagSeconds.WithLabels(_tenant, SourceName).Set(_lag);
        }
    }

    /// <summary>One read, retried at once on transient failures (connections refused or reset, timeouts).</summary>
    private async Task<SourcePage?> ReadAsync(Func<IGestionSource, Task<SourcePage?>> read, CancellationToken ct)
    {
        var source = _source!;
        return await s_retry.ExecuteAsync(async _ => await read(source), ct);
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
        if (page.Rejects.Rows.Count > 0)
        {
            // Best effort: the quarantine is a sample for an admin to read, the counts below are the record.
            var now = time.GetUtcNow();
            var rows = page.Rejects.Rows.Select(r => new QuarantinedRow("gestiones", $"source {SourceName}", r.Line, RejectReasons.Name(r.Reason), r.Fields, now)).ToArray();
            await GrainFactory.GetGrain<IIngestGrain>(GrainKeys.Ingest(_tenant)).Quarantine(rows);
        }

        var s = state.State;
        s.Watermark = page.NextWatermark;
        s.InFlightRows = 0;
        s.InFlightNext = null;
        s.Rows += page.Rows;
        s.Accepted += page.Gestiones.Count + page.Jornadas.Count;
        s.Batches += sends.Count;
        PulsoMetrics.SourceRows.WithLabels(_tenant, SourceName).Inc(page.Rows);
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
        var settings = config.Kind is "file" ? null : await GrainFactory.GetGrain<ITenantGrain>(GrainKeys.Tenant(_tenant)).GetSettings();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings?.TimeZone ?? "UTC");
        if (config.Kind == "simulator")
        {
            return new SimulatorSource(_tenant, zone, time);
        }

        var secret = state.State.SealedSecret is { } sealedSecret ? secrets.Open(sealedSecret, Owner) : null;
        return SourceKinds.Create(config, secret, new SourceContext(_tenant, SourceName, zone, time, s_http), secrets.Options);
    }

    private async Task DropSourceAsync()
    {
        var source = _source;
        _source = null;
        if (source is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>Whether two configurations read the same rows, so that the watermark still applies.</summary>
    private static bool SameOrigin(SourceConfig a, SourceConfig b) =>
        a.Kind == b.Kind && a.Location == b.Location && SameFeed(a.Gestiones, b.Gestiones) && SameFeed(a.Jornadas, b.Jornadas);

    private static bool SameFeed(SourceFeed? a, SourceFeed? b) =>
        (a is null && b is null) || (a is not null && b is not null && a.Table == b.Table && a.Query == b.Query && a.WatermarkColumn == b.WatermarkColumn && a.Path == b.Path
            && (a.Columns ?? new Dictionary<string, string>()).OrderBy(c => c.Key).SequenceEqual((b.Columns ?? new Dictionary<string, string>()).OrderBy(c => c.Key)));

    /// <summary>An error message with the secret (and its password part) blanked, should a driver ever quote it.</summary>
    private string Scrub(string message)
    {
        if (state.State.SealedSecret is not { } sealedSecret)
        {
            return message;
        }

        string secret;
        try
        {
            secret = secrets.Open(sealedSecret, Owner);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return message;
        }

        var scrubbed = message.Replace(secret, SourceConfig.MaskedSecret, StringComparison.Ordinal);
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = secret };
            foreach (var key in new[] { "password", "pwd" })
            {
                if (builder.TryGetValue(key, out var password) && password is string { Length: > 3 } p)
                {
                    scrubbed = scrubbed.Replace(p, SourceConfig.MaskedSecret, StringComparison.Ordinal);
                }
            }
        }
        catch (ArgumentException)
        {
            // Not a connection string (a key, a header): the whole secret was blanked above.
        }

        return scrubbed;
    }

    private static bool IsTransient(Exception e) => e switch
    {
        DbException db => db.IsTransient || db is Npgsql.NpgsqlException { InnerException: SocketException or IOException or TimeoutException },
        HttpRequestException http => http.StatusCode is null or >= System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.TooManyRequests,
        TimeoutException or SocketException => true,
        IOException when e is not FileNotFoundException and not DirectoryNotFoundException => true,
        _ => false,
    };

    private SourceStatus Status()
    {
        var s = state.State;
        return new SourceStatus(s.Running, s.Watermark, s.Rows, s.Accepted, new Dictionary<string, long>(s.Rejected), s.Batches, _lag, _lastError, _lastPollAt, _failures,
            _failures > 0 ? _nextAttempt : null, s.Config is not null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {Key}: poll failed ({Failures} in a row), next attempt in {Seconds} s: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error, string key, int failures, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Source {Key}: secret sealed again with the current key {KeyId}")]
    private static partial void LogResealed(ILogger logger, string key, string keyId);
}
