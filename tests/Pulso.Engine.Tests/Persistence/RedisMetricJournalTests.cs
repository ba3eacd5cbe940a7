using System.Text;
using Pulso.Grains.Persistence;
using StackExchange.Redis;

namespace Pulso.Engine.Tests.Persistence;

/// <summary>
/// The journal contract on a real Redis, at the connection string in <c>PULSO_TEST_REDIS</c>
/// (<c>scripts/services.sh start</c> writes it to <c>.scratch/services.env</c>). Without it these tests fail.
/// </summary>
public sealed class RedisMetricJournalTests(RedisConnection redis) : MetricJournalContract, IClassFixture<RedisConnection>
{
    private readonly string _prefix = $"pulso:test:{Guid.NewGuid():N}:";

    protected override IMetricJournal CreateJournal() => new RedisMetricJournal(redis.Connection, _prefix);

    [Fact]
    public async Task KeysOfOneJournalShareAHashSlotUnderThePrefix()
    {
        var key = NewKey();
        await Journal.AppendAsync(key, "a", 0, Payload(1, 10));
        await Journal.CompactAsync(key, 1, Payload(2, 10));
        await Journal.AppendAsync(key, "b", 1, Payload(3, 10));

        var keys = ((RedisMetricJournal)Journal).KeysOf(key);

        Assert.All(keys, k => Assert.StartsWith($"{_prefix}{{{key}}}:", k.ToString(), StringComparison.Ordinal));
        Assert.Single(keys.Select(k => redis.Connection.HashSlot(k)).Distinct());
        var database = redis.Connection.GetDatabase();
        foreach (var k in keys)
        {
            Assert.True(await database.KeyExistsAsync(k), $"{k} is missing");
        }
    }

    [Fact]
    public async Task AppendWritesThePayloadPlusTheBatchIdAndAFewBytes()
    {
        var key = NewKey();
        var database = redis.Connection.GetDatabase();
        var keys = ((RedisMetricJournal)Journal).KeysOf(key);
        await Journal.AppendAsync(key, "first", 0, Payload(1, 4000));
        await Journal.CompactAsync(key, 1, Payload(2, 500_000));

        await Journal.AppendAsync(key, "batch-2026-01-05-0002", 1, Payload(3, 30_000));

        var entry = (byte[])(await database.ListGetByIndexAsync(keys[1], -1))!;
        Assert.Equal(30_000 + 2 + Encoding.UTF8.GetByteCount("batch-2026-01-05-0002"), entry.Length);
        Assert.Equal(1, await database.ListLengthAsync(keys[1]));
        Assert.Equal(500_000, await database.StringLengthAsync(keys[3]));
        Assert.Equal("2", (string?)await database.HashGetAsync(keys[2], "batch-2026-01-05-0002"));
        Assert.Equal("2", (string?)await database.HashGetAsync(keys[0], "seq"));
        Assert.Equal("1", (string?)await database.HashGetAsync(keys[0], "snap"));
    }

    [Fact]
    public void PrefixWithABraceIsRefused()
    {
        var connection = redis.Connection;

        Assert.Throws<ArgumentException>(() => new RedisMetricJournal(connection, "pulso:{x}:"));
    }
}

/// <summary>One connection to the test Redis per test class; a missing <c>PULSO_TEST_REDIS</c> fails the tests that use it.</summary>
public sealed class RedisConnection : IAsyncLifetime
{
    public const string Variable = "PULSO_TEST_REDIS";

    private ConnectionMultiplexer? _connection;
    private Exception? _failure;

    public IConnectionMultiplexer Connection
    {
        get
        {
            if (_connection is not null)
            {
                return _connection;
            }

            if (_failure is not null)
            {
                Assert.Fail($"cannot connect to Redis at {Environment.GetEnvironmentVariable(Variable)} ({Variable}): {_failure.Message}");
            }

            Assert.Fail($"{Variable} is not set: run scripts/services.sh start");
            return null!;
        }
    }

    public async Task InitializeAsync()
    {
        var configuration = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(configuration))
        {
            return;
        }

        try
        {
            // As the silo does: on 2 cores a thread pool of 2 starves the client's completions under concurrent tests,
            // and an answer already in the socket buffer then times out. A generous timeout absorbs a loaded machine.
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
            var options = ConfigurationOptions.Parse(configuration);
            options.AsyncTimeout = Math.Max(options.AsyncTimeout, 30_000);
            options.SyncTimeout = Math.Max(options.SyncTimeout, 30_000);
            _connection = await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
