using System.Buffers.Binary;
using System.Text;
using StackExchange.Redis;

namespace Pulso.Grains.Persistence;

/// <summary>
/// <see cref="IMetricJournal"/> on Redis. Each operation is one Lua script, so the fence check, the batch-id
/// marker and the entry are written atomically, and a load reads snapshot and entries at one point in time.
/// <para>Layout for journal key <c>K</c> under prefix <c>P</c> (default <c>pulso:journal:</c>); <c>{K}</c> is a
/// Redis Cluster hash tag, so the four keys of a journal share one slot:</para>
/// <code>
/// P{K}:meta       hash    seq  = last sequence written (absent = 0)
///                         snap = sequence the snapshot stands for (absent = 0)
/// P{K}:entries    list    the entries snap+1 .. seq in order; each element is
///                         u16 LE batch-id length, batch id (UTF-8), payload
/// P{K}:batches    hash    batch id -> the sequence it was appended at (kept by compaction: dedupe outlives it)
/// P{K}:snapshot   string  the snapshot bytes
/// </code>
/// An append writes its payload plus 2 bytes and the batch id to the list, the batch id and sequence to the
/// markers, and the sequence to <c>meta</c>; it never reads or rewrites the snapshot. Compaction replaces the
/// snapshot and trims the head of the list in the same script. Markers live until the journal is deleted.
/// </summary>
public sealed class RedisMetricJournal : IMetricJournal
{
    public const string DefaultKeyPrefix = "pulso:journal:";

    // KEYS: meta, entries, batches, snapshot.
    private const string LoadScript = """
        local meta = redis.call('HMGET', KEYS[1], 'seq', 'snap')
        return { meta[1] or '0', meta[2] or '0', redis.call('GET', KEYS[4]), redis.call('LRANGE', KEYS[2], 0, -1) }
        """;

    // ARGV: batch id, expected sequence, entry, next sequence (all as strings: no Lua number formatting on the way).
    private const string AppendScript = """
        local prior = redis.call('HGET', KEYS[3], ARGV[1])
        if prior then
            return { 1, prior }
        end
        local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
        if seq ~= ARGV[2] then
            return { 2, seq }
        end
        redis.call('RPUSH', KEYS[2], ARGV[3])
        redis.call('HSET', KEYS[1], 'seq', ARGV[4])
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
        return { 0, ARGV[4] }
        """;

    // ARGV: up-to sequence, snapshot. Returns 1 stored, 0 stale (a later snapshot exists), -1 past the end (with the sequence).
    private const string CompactScript = """
        local meta = redis.call('HMGET', KEYS[1], 'seq', 'snap')
        local seq = tonumber(meta[1] or '0')
        local snap = tonumber(meta[2] or '0')
        local upto = tonumber(ARGV[1])
        if upto > seq then
            return { -1, meta[1] or '0' }
        end
        if upto < snap then
            return { 0, meta[2] }
        end
        redis.call('SET', KEYS[4], ARGV[2])
        if upto > snap then
            redis.call('LTRIM', KEYS[2], upto - snap, -1)
        end
        redis.call('HSET', KEYS[1], 'snap', ARGV[1])
        return { 1, ARGV[1] }
        """;

    private const string DeleteScript = """
        return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
        """;

    private readonly IDatabase _database;
    private readonly string _prefix;

    public RedisMetricJournal(IConnectionMultiplexer connection, string keyPrefix = DefaultKeyPrefix)
        : this((connection ?? throw new ArgumentNullException(nameof(connection))).GetDatabase(), keyPrefix)
    {
    }

    public RedisMetricJournal(IDatabase database, string keyPrefix = DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        if (keyPrefix.Contains('{', StringComparison.Ordinal) || keyPrefix.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException($"key prefix '{keyPrefix}' contains a brace: it would replace the journal key as the hash tag", nameof(keyPrefix));
        }

        _database = database;
        _prefix = keyPrefix;
    }

    public async Task<JournalState> LoadAsync(string key, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckKey(key);
        var result = await EvaluateAsync(LoadScript, key, [], cancellationToken);
        var parts = (RedisResult[])result!;
        var sequence = (long)parts[0];
        var snapshotSequence = (long)parts[1];
        var snapshot = parts[2].IsNull ? null : (byte[])parts[2]!;
        var elements = (RedisResult[])parts[3]!;
        if (elements.Length != sequence - snapshotSequence)
        {
            throw new InvalidDataException(
                $"journal '{key}': {elements.Length} entries stored between sequences {snapshotSequence} and {sequence}; expected {sequence - snapshotSequence}.");
        }

        var entries = new JournalEntry[elements.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = ReadEntry(key, snapshotSequence + 1 + i, (byte[])elements[i]!);
        }

        return new JournalState(snapshot, snapshotSequence, entries, sequence);
    }

    public async Task<AppendResult> AppendAsync(string key, string batchId, long expectedSequence, byte[] payload, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckAppend(key, batchId, expectedSequence, payload);
        var id = Encoding.UTF8.GetBytes(batchId);
        var entry = new byte[2 + id.Length + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)id.Length);
        id.CopyTo(entry, 2);
        payload.CopyTo(entry, 2 + id.Length);
        var result = await EvaluateAsync(AppendScript, key, [id, expectedSequence, entry, expectedSequence + 1], cancellationToken);
        var parts = (RedisResult[])result!;
        var status = (int)parts[0] switch
        {
            0 => AppendStatus.Appended,
            1 => AppendStatus.Duplicate,
            2 => AppendStatus.Conflict,
            var other => throw new InvalidOperationException($"journal '{key}': the append script answered {other}"),
        };
        return new AppendResult(status, (long)parts[1]);
    }

    public async Task<bool> CompactAsync(string key, long upToSequence, byte[] snapshot, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckCompact(key, upToSequence, snapshot);
        var result = await EvaluateAsync(CompactScript, key, [upToSequence, snapshot], cancellationToken);
        var parts = (RedisResult[])result!;
        return (int)parts[0] switch
        {
            1 => true,
            0 => false,
            _ => throw JournalArguments.PastTheEnd(key, upToSequence, (long)parts[1]),
        };
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        JournalArguments.CheckKey(key);
        await EvaluateAsync(DeleteScript, key, [], cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        JournalArguments.CheckKey(keyPrefix);
        // Every journal has its meta hash (written by the first append); SCAN it on each primary, glob characters escaped.
        var pattern = $"{Glob(_prefix)}{{{Glob(keyPrefix)}*}}:meta";
        var root = _prefix.Length + 1;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in _database.Multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var redisKey in server.KeysAsync(_database.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken))
            {
                var text = redisKey.ToString();
                keys.Add(text[root..^"}:meta".Length]);
            }
        }

        return [.. keys];
    }

    /// <summary>The Redis keys of journal <paramref name="key"/>: meta, entries, batches, snapshot.</summary>
    internal RedisKey[] KeysOf(string key)
    {
        var root = $"{_prefix}{{{key}}}:";
        return [root + "meta", root + "entries", root + "batches", root + "snapshot"];
    }

    private Task<RedisResult> EvaluateAsync(string script, string key, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _database.ScriptEvaluateAsync(script, KeysOf(key), arguments).WaitAsync(cancellationToken);
    }

    private static string Glob(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static JournalEntry ReadEntry(string key, long sequence, byte[] element)
    {
        if (element.Length < 2 || element.Length < 2 + BinaryPrimitives.ReadUInt16LittleEndian(element))
        {
            throw new InvalidDataException($"journal '{key}': entry {sequence} is {element.Length} bytes, shorter than its batch id.");
        }

        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(element);
        return new JournalEntry(sequence, Encoding.UTF8.GetString(element, 2, idLength), element[(2 + idLength)..]);
    }
}
