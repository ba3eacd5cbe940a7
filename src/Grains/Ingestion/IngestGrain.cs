using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Observability;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Ingestion;

/// <summary>An idempotency key's first push: which route, the body's SHA-256, the answer given and when.</summary>
[GenerateSerializer, Alias("pulso.IdempotencyRecord")]
public sealed class IdempotencyRecord
{
    [Id(0)]
    public string Kind { get; set; } = string.Empty;

    [Id(1)]
    public byte[] BodyHash { get; set; } = [];

    [Id(2)]
    public IngestAnswer Answer { get; set; } = new(0, new Dictionary<string, long>());

    [Id(3)]
    public DateTimeOffset At { get; set; }

    /// <summary>The HTTP request that applied it (<see cref="IngestPush.PushId"/>): its own retry is not a replay.</summary>
    [Id(4)]
    public string? PushId { get; set; }
}

/// <summary>
/// What an ingest grain persists through the grain storage (Orleans binary serializer): the quarantine. The
/// idempotency keys live in the metric journal store (<see cref="IdempotencyLog"/>), appended to per push.
/// </summary>
[GenerateSerializer, Alias("pulso.IngestState")]
public sealed class IngestState
{
    /// <summary>2 since the keys moved to their own journals; format 1 kept them in <see cref="Keys"/>.</summary>
    public const int CurrentFormat = 2;

    [Id(0)]
    public int FormatVersion { get; set; } = CurrentFormat;

    /// <summary>Format 1's idempotency keys, read once to move them to the journals; empty from format 2 on.</summary>
    [Id(1)]
    public Dictionary<string, IdempotencyRecord> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rejected rows, oldest first, at most <see cref="IngestGrain.QuarantineCapacity"/>.</summary>
    [Id(2)]
    public List<QuarantinedRow> Quarantine { get; set; } = [];
}

/// <summary>
/// A tenant's push ingest. A push's day batches are named after its idempotency key (or, without one, the gateway's
/// push id) and the day, applied, and only then is the key's answer recorded and persisted: a crash in between leaves
/// the key unknown, the retry applies the same batch ids again, and the day tables drop what they already have. A
/// gateway that lost the answer to a call sends the same push (same push id) again: with a key it finds its own
/// record and answers as the first attempt did (applied, not replayed); without one, this activation remembers the
/// push ids it applied lately and answers again without applying twice. A push writes its key's record to the key
/// journal (<see cref="IdempotencyLog"/>) and, only when it has rejected rows, the quarantine: what it writes does
/// not grow with the keys or rejects already held.
/// </summary>
public sealed class IngestGrain(
    [PersistentState("ingest", "pulso")] IPersistentState<IngestState> state,
    IMetricJournal journal,
    TimeProvider time) : Grain, IIngestGrain
{
    /// <summary>Rejected rows kept per tenant; older ones make room for newer ones.</summary>
    public const int QuarantineCapacity = 10_000;

    /// <summary>How long an idempotency key is remembered.</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(24);

    /// <summary>Push ids without a key that this activation applied, remembered for a gateway's retry.</summary>
    public const int RecentPushCapacity = 1024;

    private readonly HashSet<string> _recentPushes = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    private string _tenant = string.Empty;
    private IdempotencyLog _keys = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tenant = GrainKeys.TenantOf(this.GetPrimaryKeyString());
        if (state.State.FormatVersion > IngestState.CurrentFormat)
        {
            throw new UnsupportedFormatVersionException("ingest state", state.State.FormatVersion, IngestState.CurrentFormat);
        }

        // Journal keys "tenant/push/yyyy-MM-dd": under the tenant, never mistaken for a day table's "tenant/yyyy-MM-dd".
        _keys = new IdempotencyLog(journal, this.GetPrimaryKeyString(), KeyLifetime);
        var now = time.GetUtcNow();
        await _keys.LoadAsync(now, cancellationToken);
        if (state.State.FormatVersion < IngestState.CurrentFormat || state.State.Keys.Count > 0)
        {
            await _keys.ImportAsync(state.State.Keys, now, cancellationToken);
            state.State.Keys = new Dictionary<string, IdempotencyRecord>(StringComparer.Ordinal);
            state.State.FormatVersion = IngestState.CurrentFormat;
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task Purge()
    {
        await _keys.DeleteAllAsync();
        await state.ClearStateAsync();
        state.State = new IngestState();
    }

    public async Task<IngestOutcome> Push(IngestPush push)
    {
        ArgumentNullException.ThrowIfNull(push);
        var now = time.GetUtcNow();
        if (push.IdempotencyKey is { } key && _keys.TryGet(key, now, out var first))
        {
            var same = first.Kind == push.Kind && first.BodyHash.AsSpan().SequenceEqual(push.BodyHash);
            var ownRetry = same && push.PushId is { } pushId && string.Equals(first.PushId, pushId, StringComparison.Ordinal);
            return new IngestOutcome(ownRetry ? IngestStatus.Applied : same ? IngestStatus.Replayed : IngestStatus.KeyConflict, first.Answer);
        }

        if (push.IdempotencyKey is null && push.PushId is { } retried && _recentPushes.Contains(retried))
        {
            return new IngestOutcome(IngestStatus.Applied, push.Answer);
        }

        var prefix = BatchPrefix(push.Kind, push.IdempotencyKey, push.PushId);
        var applies = push.Batches.Select(b =>
            GrainFactory.GetGrain<IMetricTableGrain>(GrainKeys.Day(_tenant, b.Day))
                .Apply(b with { BatchId = $"{prefix}/{b.Day:yyyy-MM-dd}" }));
        await Task.WhenAll(applies);

        var writes = new List<Task>(2);
        if (push.IdempotencyKey is { } newKey)
        {
            var record = new IdempotencyRecord { Kind = push.Kind, BodyHash = push.BodyHash, Answer = push.Answer, At = now, PushId = push.PushId };
            writes.Add(_keys.RecordAsync(newKey, record, prefix));
        }

        if (push.Rejects.Length > 0)
        {
            Quarantine(push.Rejects, now);
            writes.Add(state.WriteStateAsync());
        }

        await Task.WhenAll(writes);
        if (push.IdempotencyKey is null && push.PushId is { } applied)
        {
            Remember(applied);
        }

        if (push.Kind == "gestiones")
        {
            foreach (var (reason, count) in push.Answer.Rejected)
            {
                if (count > 0)
                {
                    PulsoMetrics.IngestRejects.WithLabels(_tenant, reason).Inc(count);
                }
            }
        }

        return new IngestOutcome(IngestStatus.Applied, push.Answer);
    }

    public async Task Quarantine(QuarantinedRow[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Quarantine(rows, time.GetUtcNow());
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<QuarantinedRow>> GetRejects(int limit)
    {
        var rows = state.State.Quarantine;
        var take = Math.Clamp(limit, 0, rows.Count);
        IReadOnlyList<QuarantinedRow> newest = [.. Enumerable.Range(1, take).Select(i => rows[rows.Count - i])];
        return Task.FromResult(newest);
    }

    /// <summary>
    /// The batch id stem of a push: the key's hash (bounded, and free of separators whatever the key holds), else the
    /// push id's hash, else a fresh id, so that only a retry with the same key (or of the same request) can name the
    /// same batches.
    /// </summary>
    private static string BatchPrefix(string kind, string? key, string? pushId) =>
        (key, pushId) switch
        {
            ({ } k, _) => $"push/{kind}/key-{Hash(k)}",
            (null, { } p) => $"push/{kind}/once-{Hash(p)}",
            _ => $"push/{kind}/once-{Guid.NewGuid():N}",
        };

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    private void Remember(string pushId)
    {
        if (!_recentPushes.Add(pushId))
        {
            return;
        }

        _recentOrder.Enqueue(pushId);
        if (_recentOrder.Count > RecentPushCapacity)
        {
            _recentPushes.Remove(_recentOrder.Dequeue());
        }
    }

    private void Quarantine(QuarantinedRow[] rows, DateTimeOffset now)
    {
        var quarantine = state.State.Quarantine;
        var incoming = rows.Length > QuarantineCapacity ? rows[^QuarantineCapacity..] : rows;
        var overflow = quarantine.Count + incoming.Length - QuarantineCapacity;
        if (overflow > 0)
        {
            quarantine.RemoveRange(0, overflow);
        }

        quarantine.AddRange(incoming.Select(r => r with { ReceivedAt = now }));
    }
}
