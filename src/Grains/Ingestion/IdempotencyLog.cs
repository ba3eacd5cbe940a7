using System.Globalization;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// A tenant's idempotency keys, remembered for <see cref="Lifetime"/>: in memory for lookups, and on disk as
/// append-only journals (<see cref="IMetricJournal"/>), one per UTC day of the keys' first push, named
/// <c>{prefix}/{yyyy-MM-dd}</c>. A push writes one entry of its own record, whatever the number of keys held (the
/// whole set used to be rewritten on every push); a day's journal is deleted once every key in it has expired.
/// Lookups prune expired keys from the oldest end, so no push scans the set.
/// </summary>
/// <remarks>
/// Entry format, version 1, in the <see cref="PersistedFormat"/> frame with magic <c>PIDK</c>, little-endian, strings
/// as UTF-8 after a 7-bit encoded length: a record count (i32), then per record the key, the route kind, the body
/// hash (i32 length and bytes), the rows accepted (i64), the rejects by reason (i32 count, then reason and i64
/// count), the first push's instant as UTC ticks (i64), and the push id (a byte 0/1, then the string).
/// </remarks>
internal sealed class IdempotencyLog(IMetricJournal journal, string prefix, TimeSpan lifetime)
{
    private const ushort Version = 1;
    private const string Format = "idempotency keys";
    private static ReadOnlySpan<byte> Magic => "PIDK"u8;

    private readonly Dictionary<string, IdempotencyRecord> _records = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset At)> _byAge = new();
    private readonly SortedDictionary<DateOnly, long> _sequences = [];

    public TimeSpan Lifetime { get; } = lifetime;

    public int Count => _records.Count;

    /// <summary>
    /// Reads the journals that can hold keys alive at <paramref name="now"/>, by name (with a lifetime of a day,
    /// yesterday's and today's, UTC), without listing any. The journal of the day before them, expired by now, is
    /// deleted; older ones, left by an activation idle for days, go with the tenant's retention scan
    /// (<see cref="IsExpiredJournal"/>).
    /// </summary>
    public async Task LoadAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        _records.Clear();
        _byAge.Clear();
        _sequences.Clear();
        var first = DateOnly.FromDateTime((now - Lifetime).UtcDateTime);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await journal.DeleteAsync(JournalKey(first.AddDays(-1)), cancellationToken);
        var loaded = new List<(string Key, IdempotencyRecord Record)>();
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            var state = await journal.LoadAsync(JournalKey(day), cancellationToken);
            _sequences[day] = state.Sequence;
            foreach (var entry in state.Entries)
            {
                loaded.AddRange(Decode(entry.Payload));
            }
        }

        // Oldest first, so that the age queue is in order; a key recorded twice (two activations) keeps its first record.
        foreach (var (key, record) in loaded.OrderBy(r => r.Record.At))
        {
            if (now - record.At < Lifetime && _records.TryAdd(key, record))
            {
                _byAge.Enqueue((key, record.At));
            }
        }
    }

    /// <summary>The record of <paramref name="key"/> while it is alive at <paramref name="now"/>.</summary>
    public bool TryGet(string key, DateTimeOffset now, out IdempotencyRecord record)
    {
        Prune(now);
        return _records.TryGetValue(key, out record!);
    }

    /// <summary>
    /// Stores the first push of <paramref name="key"/> in the journal of its day (<paramref name="batchId"/> names the
    /// entry, so a retry of the same append is stored once), then remembers it.
    /// </summary>
    public async Task RecordAsync(string key, IdempotencyRecord record, string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var day = DateOnly.FromDateTime(record.At.UtcDateTime);
        await AppendAsync(day, batchId, Encode([(key, record)]), cancellationToken);
        Remember(key, record);
        await DropExpiredJournalsAsync(record.At, cancellationToken);
    }

    /// <summary>Takes over records kept elsewhere before (the format 1 ingest state), in one entry per day.</summary>
    public async Task ImportAsync(IReadOnlyDictionary<string, IdempotencyRecord> records, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var group in records.Where(r => now - r.Value.At < Lifetime).GroupBy(r => DateOnly.FromDateTime(r.Value.At.UtcDateTime)).OrderBy(g => g.Key))
        {
            var batch = group.Select(r => (r.Key, r.Value)).ToList();
            await AppendAsync(group.Key, "imported-ingest-state-1", Encode(batch), cancellationToken);
            foreach (var (key, record) in batch.OrderBy(r => r.Value.At))
            {
                Remember(key, record);
            }
        }
    }

    /// <summary>
    /// Whether journal <paramref name="key"/> is a key journal under <paramref name="prefix"/> whose keys have all
    /// expired at <paramref name="now"/> (for a maintenance scan that lists the tenant's journals anyway).
    /// </summary>
    public static bool IsExpiredJournal(string key, string prefix, TimeSpan lifetime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(prefix);
        return key.Length == prefix.Length + 11 && key.StartsWith(prefix, StringComparison.Ordinal) && key[prefix.Length] == '/'
            && DateOnly.TryParseExact(key.AsSpan(prefix.Length + 1), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && Expired(day, now, lifetime);
    }

    /// <summary>Forgets every key and deletes every journal (tenant deletion).</summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var key in await journal.ListKeysAsync($"{prefix}/", cancellationToken))
        {
            await journal.DeleteAsync(key, cancellationToken);
        }

        _records.Clear();
        _byAge.Clear();
        _sequences.Clear();
    }

    internal static byte[] Encode(IReadOnlyList<(string Key, IdempotencyRecord Record)> records)
    {
        var writer = PersistedFormat.Begin(Magic, Version, 128 * records.Count);
        writer.WriteInt32(records.Count);
        foreach (var (key, record) in records)
        {
            writer.WriteString(key);
            writer.WriteString(record.Kind);
            writer.WriteInt32(record.BodyHash.Length);
            writer.WriteBytes(record.BodyHash);
            writer.WriteInt64(record.Answer.Accepted);
            writer.WriteInt32(record.Answer.Rejected.Count);
            foreach (var (reason, count) in record.Answer.Rejected)
            {
                writer.WriteString(reason);
                writer.WriteInt64(count);
            }

            writer.WriteInt64(record.At.UtcTicks);
            writer.WriteByte(record.PushId is null ? (byte)0 : (byte)1);
            if (record.PushId is { } pushId)
            {
                writer.WriteString(pushId);
            }
        }

        return PersistedFormat.Finish(writer);
    }

    internal static List<(string Key, IdempotencyRecord Record)> Decode(ReadOnlySpan<byte> payload)
    {
        var reader = PersistedFormat.Open(payload, Magic, Version, Format);
        var count = reader.ReadCount("record count", 16);
        var records = new List<(string, IdempotencyRecord)>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString("key");
            var kind = reader.ReadString("kind");
            var hash = reader.ReadBytes(reader.ReadCount("body hash length", 1), "body hash").ToArray();
            var accepted = reader.ReadInt64("accepted");
            var reasons = reader.ReadCount("reject reasons", 9);
            var rejected = new Dictionary<string, long>(reasons, StringComparer.Ordinal);
            for (var r = 0; r < reasons; r++)
            {
                rejected[reader.ReadString("reject reason")] = reader.ReadInt64("reject count");
            }

            var ticks = reader.ReadInt64("first push instant");
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                throw reader.Corrupt($"first push instant {ticks} is out of range");
            }

            var pushId = reader.ReadByte("push id flag") switch
            {
                0 => null,
                1 => reader.ReadString("push id"),
                var flag => throw reader.Corrupt($"push id flag {flag} is neither 0 nor 1"),
            };
            records.Add((key, new IdempotencyRecord
            {
                Kind = kind,
                BodyHash = hash,
                Answer = new IngestAnswer(accepted, rejected),
                At = new DateTimeOffset(ticks, TimeSpan.Zero),
                PushId = pushId,
            }));
        }

        reader.ExpectEnd();
        return records;
    }

    private async Task AppendAsync(DateOnly day, string batchId, byte[] payload, CancellationToken cancellationToken)
    {
        var key = JournalKey(day);
        var expected = _sequences.GetValueOrDefault(day);
        var appended = await journal.AppendAsync(key, batchId, expected, payload, cancellationToken);
        if (appended.Status == AppendStatus.Conflict)
        {
            // Another activation of this grain wrote the day (a duplicate activation, or one that lost its silo):
            // take in what it recorded, then append after it.
            var state = await journal.LoadAsync(key, cancellationToken);
            foreach (var (other, record) in state.Entries.SelectMany(e => Decode(e.Payload)).OrderBy(r => r.Record.At))
            {
                Remember(other, record);
            }

            appended = await journal.AppendAsync(key, batchId, state.Sequence, payload, cancellationToken);
            if (appended.Status == AppendStatus.Conflict)
            {
                throw new InvalidOperationException($"idempotency journal {key} keeps moving (sequence {appended.Sequence}); the push is not recorded");
            }
        }

        _sequences[day] = Math.Max(expected, appended.Sequence);
    }

    private void Remember(string key, IdempotencyRecord record)
    {
        if (_records.TryAdd(key, record))
        {
            _byAge.Enqueue((key, record.At));
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (_byAge.TryPeek(out var oldest) && now - oldest.At >= Lifetime)
        {
            _byAge.Dequeue();
            if (_records.TryGetValue(oldest.Key, out var record) && record.At == oldest.At)
            {
                _records.Remove(oldest.Key);
            }
        }
    }

    /// <summary>Deletes the journals of days whose every key has expired by <paramref name="now"/>.</summary>
    private async Task DropExpiredJournalsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = _sequences.Keys.TakeWhile(day => Expired(day, now, Lifetime)).ToList();
        foreach (var day in expired)
        {
            await journal.DeleteAsync(JournalKey(day), cancellationToken);
            _sequences.Remove(day);
        }
    }

    /// <summary>A day's keys were all first pushed before its end, so all have expired a lifetime after it.</summary>
    private static bool Expired(DateOnly day, DateTimeOffset now, TimeSpan lifetime) =>
        now - new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) >= lifetime;

    private string JournalKey(DateOnly day) => $"{prefix}/{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
}
