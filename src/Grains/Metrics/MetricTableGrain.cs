using Microsoft.Extensions.Logging;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Live;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Prometheus;
using Pulso.Grains.Observability;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Metrics;

/// <summary>
/// One tenant's day of metrics. State lives in the metric journal: a snapshot plus the batch deltas
/// after it. A batch is appended (fenced on the version this activation knows, deduplicated by batch id)
/// before it touches the table, so a replayed batch is counted once and a reported success is durable.
/// </summary>
public sealed partial class MetricTableGrain(IMetricJournal journal, ILogger<MetricTableGrain> logger) : Grain, IMetricTableGrain
{
    /// <summary>Compact once the deltas since the snapshot weigh as much as the snapshot (at least this much).</summary>
    private const long MinCompactionBytes = 1 << 20;

    private MetricTable _table = null!;
    private string _key = string.Empty;
    private string _tenant = string.Empty;
    private DateOnly _day;
    private long _version;
    private long _deltaBytes;
    private long _snapshotBytes;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        (_tenant, _day) = GrainKeys.ParseDay(_key);
        await LoadAsync(cancellationToken);
    }

    public Task<ApplyResult> Apply(DayBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Check(batch);
        var timer = PulsoMetrics.BatchApplySeconds.NewTimer();
        var delta = new DayDelta(batch.ToGestionBatch(), batch.JornadaEjecutivos.Zip(batch.JornadaCents).ToList());
        CheckCanAccept(batch.BatchId, delta);
        return ApplyAsync(batch.BatchId, delta, DayDeltaCodec.Encode(delta), timer);
    }

    public Task<ApplyResult> ApplyEncoded(EncodedDayBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckIdentity(batch.BatchId, batch.Day);
        var timer = PulsoMetrics.BatchApplySeconds.NewTimer();
        if (batch.Delta is null)
        {
            throw new ArgumentException($"batch {batch.BatchId}: no delta");
        }

        DayDelta delta;
        try
        {
            delta = DayDeltaCodec.Decode(batch.Delta);
        }
        catch (Exception e) when (e is InvalidDataException or UnsupportedFormatVersionException)
        {
            throw new ArgumentException($"batch {batch.BatchId}: {e.Message}");
        }

        Check(batch.BatchId, delta);
        CheckCanAccept(batch.BatchId, delta);
        return ApplyAsync(batch.BatchId, delta, batch.Delta, timer);
    }

    /// <summary>Stores <paramref name="payload"/> (the encoded <paramref name="delta"/>) in the journal, then applies the delta.</summary>
    private async Task<ApplyResult> ApplyAsync(string batchId, DayDelta delta, byte[] payload, IDisposable timer)
    {
        using var applyTimer = timer;
        var appended = await journal.AppendAsync(_key, batchId, _version, payload);
        if (appended.Status == AppendStatus.Conflict)
        {
            // Another activation wrote since we loaded (a failover race): catch up, then try once more.
            LogConflict(logger, _key, _version);
            await LoadAsync(CancellationToken.None);
            appended = await journal.AppendAsync(_key, batchId, _version, payload);
        }

        switch (appended.Status)
        {
            case AppendStatus.Duplicate:
                PulsoMetrics.Batches.WithLabels(_tenant, "duplicate").Inc();
                if (appended.Sequence > _version)
                {
                    // Stored by another activation (a failover race) after we loaded: catch up before answering.
                    await LoadAsync(CancellationToken.None);
                }

                return new ApplyResult(_version, Duplicate: true, ChangedCells: 0, Rows: 0);
            case AppendStatus.Conflict:
                throw new InvalidOperationException($"metric table {_key}: concurrent writer, batch {batchId} not applied; retry");
        }

        var changed = new List<int>();
        try
        {
            _table.ApplyDelta(delta, changed);
        }
        catch
        {
            // Stored but not applied here: this activation's table is no longer what the journal says.
            DeactivateOnIdle();
            throw;
        }

        var rows = delta.Gestiones?.Count ?? 0;
        _version = appended.Sequence;
        _deltaBytes += payload.Length;
        PulsoMetrics.Batches.WithLabels(_tenant, "applied").Inc();
        PulsoMetrics.IngestRows.WithLabels(_tenant).Inc(rows);
        PulsoMetrics.JournalBytes.WithLabels("delta").Inc(payload.Length);
        if (_deltaBytes >= Math.Max(MinCompactionBytes, _snapshotBytes))
        {
            await CompactAsync();
        }

        // Durable and applied: tell the tenant's live feed (one-way; a lost notice is caught at the gateways' next renewal).
        await GrainFactory.GetGrain<ITenantFeedGrain>(GrainKeys.Tenant(_tenant))
            .PublishDay(new DayChange(_tenant, _day, _version, [.. delta.Gestiones?.Ejecutivos ?? [], .. delta.Jornadas.Select(j => j.Ejecutivo)], DateTimeOffset.UtcNow));
        return new ApplyResult(_version, Duplicate: false, changed.Count, rows);
    }

    public Task<long> GetVersion() => Task.FromResult(_version);

    public Task<QueryResultContract> Query(MetricQueryContract query, IReadOnlyList<HomologationRuleContract> homologation, IReadOnlyList<MetricDefinitionContract> metrics)
    {
        var catalog = metrics.ToCatalog(out _);
        var table = homologation.ToTable(out _);
        var result = QueryEvaluator.Evaluate([_table], query.ToQuery(catalog), table, catalog);
        return Task.FromResult(result.ToContract(_version));
    }

    public Task<TableSnapshot> GetSnapshot() => Task.FromResult(new TableSnapshot(MetricTableCodec.Encode(_table), _version));

    public async Task Purge()
    {
        await journal.DeleteAsync(_key);
        _table = new MetricTable(_day);
        _version = 0;
        _deltaBytes = 0;
        _snapshotBytes = 0;
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_deltaBytes > 0 && reason.ReasonCode is DeactivationReasonCode.ShuttingDown or DeactivationReasonCode.ActivationIdle)
        {
            try
            {
                await CompactAsync();
            }
            catch (Exception e)
            {
                // The deltas are durable already; a missed compaction only costs replay time.
                LogCompactionFailed(logger, e, _key);
            }
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var state = await journal.LoadAsync(_key, cancellationToken);
        _table = state.Snapshot is null ? new MetricTable(_day) : MetricTableCodec.Decode(state.Snapshot);
        _snapshotBytes = state.Snapshot?.Length ?? 0;
        _deltaBytes = 0;
        foreach (var entry in state.Entries)
        {
            _table.ApplyDelta(DayDeltaCodec.Decode(entry.Payload));
            _deltaBytes += entry.Payload.Length;
        }

        _version = state.Sequence;
    }

    private async Task CompactAsync()
    {
        var snapshot = MetricTableCodec.Encode(_table);
        await journal.CompactAsync(_key, _version, snapshot);
        PulsoMetrics.JournalBytes.WithLabels("snapshot").Inc(snapshot.Length);
        _snapshotBytes = snapshot.Length;
        _deltaBytes = 0;
    }

    private void CheckCanAccept(string batchId, DayDelta delta)
    {
        if (delta.Gestiones is { } gestiones && _table.CheckCanAccept(gestiones) is { } refusal)
        {
            throw new ArgumentException($"batch {batchId}: {refusal}");
        }
    }

    private void CheckIdentity(string batchId, DateOnly day)
    {
        if (string.IsNullOrWhiteSpace(batchId) || batchId.Length > 200)
        {
            throw new ArgumentException("batch id must be 1 to 200 characters");
        }

        if (day != _day)
        {
            throw new ArgumentException($"batch {batchId} is for {day:yyyy-MM-dd}, this table is {_key}");
        }
    }

    /// <summary>
    /// A decoded image from a client: the codec checked its frame, checksum, lengths and indexes; what is left are the
    /// ranges a <see cref="DayBatch"/> is held to, and that every row falls on this table's day.
    /// </summary>
    private void Check(string batchId, DayDelta delta)
    {
        if (delta.Gestiones is { } g)
        {
            if (Array.Exists(g.Documentos, string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException($"batch {batchId}: a documento is empty");
            }

            var day = _day.DayNumber;
            for (var i = 0; i < g.Count; i++)
            {
                if (g.DayNumber[i] != day || !RowInRange(g.Hora[i], g.Tramo[i], g.SaldoCents[i]))
                {
                    throw new ArgumentException($"batch {batchId}: row {i} is out of range or not on {_day:yyyy-MM-dd}");
                }
            }
        }

        foreach (var (ejecutivo, _) in delta.Jornadas)
        {
            if (string.IsNullOrWhiteSpace(ejecutivo))
            {
                throw new ArgumentException($"batch {batchId}: a jornada has no ejecutivo");
            }
        }
    }

    /// <summary>The ranges every stored row is held to, whichever way its batch came.</summary>
    private static bool RowInRange(byte hora, byte tramo, long saldoCents) =>
        hora <= 23 && tramo <= 5 && saldoCents is >= -Ingestion.GestionRules.MaxAbsCents and <= Ingestion.GestionRules.MaxAbsCents;

    /// <summary>A batch from a client is checked whole before anything is stored: lengths, indexes and ranges.</summary>
    private void Check(DayBatch batch)
    {
        CheckIdentity(batch.BatchId, batch.Day);
        if (batch.Ejecutivos is null || batch.Canales is null || batch.Tipificaciones is null || batch.Documentos is null
            || batch.Hora is null || batch.Ejecutivo is null || batch.Canal is null || batch.Tipificacion is null || batch.Tramo is null
            || batch.SaldoCents is null || batch.Documento is null || batch.JornadaEjecutivos is null || batch.JornadaCents is null
            || batch.Ejecutivos.Any(v => v is null) || batch.Canales.Any(v => v is null) || batch.Tipificaciones.Any(v => v is null)
            || batch.Documentos.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"batch {batch.BatchId}: a column or dictionary is missing, or a documento is empty");
        }

        var n = batch.Ejecutivo.Length;
        if (batch.Hora.Length != n || batch.Canal.Length != n || batch.Tipificacion.Length != n || batch.Tramo.Length != n
            || batch.SaldoCents.Length != n || batch.Documento.Length != n || batch.JornadaEjecutivos.Length != batch.JornadaCents.Length)
        {
            throw new ArgumentException($"batch {batch.BatchId}: column lengths differ");
        }

        for (var i = 0; i < n; i++)
        {
            if ((uint)batch.Ejecutivo[i] >= (uint)batch.Ejecutivos.Length || (uint)batch.Canal[i] >= (uint)batch.Canales.Length
                || (uint)batch.Tipificacion[i] >= (uint)batch.Tipificaciones.Length || (uint)batch.Documento[i] >= (uint)batch.Documentos.Length
                || !RowInRange(batch.Hora[i], batch.Tramo[i], batch.SaldoCents[i]))
            {
                throw new ArgumentException($"batch {batch.BatchId}: row {i} is out of range");
            }
        }

        if (batch.JornadaCents.Any(c => c < 0) || batch.JornadaEjecutivos.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"batch {batch.BatchId}: a jornada has negative hours or no ejecutivo");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric table {Key}: journal moved past version {Version}; reloading")]
    private static partial void LogConflict(ILogger logger, string key, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric table {Key}: compaction on deactivation failed")]
    private static partial void LogCompactionFailed(ILogger logger, Exception exception, string key);
}
