using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Ingestion;

/// <summary>A tenant's idempotency keys in their day journals on the in-memory journal store.</summary>
public sealed class MemoryIdempotencyLogTests : IdempotencyLogContract
{
    [Fact]
    public void DamagedEntriesAreRefusedWithTheFormatNamed()
    {
        var image = IdempotencyLog.Encode([("k", Record(Morning, accepted: 5, pushId: "p"))]);
        var damaged = image.ToArray();
        damaged[^6] ^= 0x40;

        Assert.Equal(5, Assert.Single(IdempotencyLog.Decode(image)).Record.Answer.Accepted);
        Assert.Contains("idempotency keys", Assert.Throws<InvalidDataException>(() => IdempotencyLog.Decode(damaged)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdempotencyLog.Decode(image.AsSpan(0, image.Length - 3))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARetentionScanTellsExpiredKeyJournalsFromEverythingElse()
    {
        var day = TimeSpan.FromHours(24);
        var allExpired = new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero);

        Assert.True(IdempotencyLog.IsExpiredJournal("acme/push/2026-03-01", "acme/push", day, allExpired));
        Assert.False(IdempotencyLog.IsExpiredJournal("acme/push/2026-03-01", "acme/push", day, allExpired.AddTicks(-1)));
        Assert.False(IdempotencyLog.IsExpiredJournal("acme/2026-03-01", "acme/push", day, allExpired)); // a day table
        Assert.False(IdempotencyLog.IsExpiredJournal("acme/pushes/2026-03-01", "acme/push", day, allExpired));
        Assert.False(IdempotencyLog.IsExpiredJournal("acme/push/yesterday", "acme/push", day, allExpired));
    }

    protected override IMetricJournal CreateJournal() => new MemoryMetricJournal();
}

/// <summary>
/// The same on a real Redis (<c>PULSO_TEST_REDIS</c>, as <see cref="Persistence.RedisMetricJournalTests"/>): the
/// key listing and deletion the log relies on go through Redis's own key scan there.
/// </summary>
public sealed class RedisIdempotencyLogTests(Persistence.RedisConnection redis) : IdempotencyLogContract, IClassFixture<Persistence.RedisConnection>
{
    protected override IMetricJournal CreateJournal() => new RedisMetricJournal(redis.Connection, $"pulso:test:{Guid.NewGuid():N}:");
}

/// <summary>A tenant's idempotency keys in their day journals: kept for their lifetime, written a record at a time.</summary>
public abstract class IdempotencyLogContract
{
    private const string Prefix = "acme/push";
    private static readonly TimeSpan s_lifetime = TimeSpan.FromHours(24);
    protected static readonly DateTimeOffset Morning = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task RecordsComeBackWhenAnotherActivationLoadsThem()
    {
        var journal = CreateJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(Morning);
        var first = Record(Morning, accepted: 3, pushId: "req-1", rejected: ("fecha_invalida", 2));
        var second = Record(Morning.AddHours(15), accepted: 7, pushId: null); // the next UTC day
        await log.RecordAsync("import #1", first, "b1");
        await log.RecordAsync("import #2", second, "b2");

        var again = new IdempotencyLog(journal, Prefix, s_lifetime);
        await again.LoadAsync(Morning.AddHours(16));

        Assert.Equal(2, again.Count);
        Assert.True(again.TryGet("import #1", Morning.AddHours(16), out var one));
        Assert.True(again.TryGet("import #2", Morning.AddHours(16), out var two));
        AssertSame(first, one);
        AssertSame(second, two);
        Assert.Equal(["acme/push/2026-03-02", "acme/push/2026-03-03"], (await journal.ListKeysAsync("acme/")).Order());
    }

    [Fact]
    public async Task KeysExpireAfterTheirLifetimeAndTheirDayJournalGoes()
    {
        var journal = CreateJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(Morning);
        await log.RecordAsync("k", Record(Morning, accepted: 1), "b1");

        Assert.True(log.TryGet("k", Morning + s_lifetime - TimeSpan.FromTicks(1), out _));
        Assert.False(log.TryGet("k", Morning + s_lifetime, out _));

        // Once the whole day has expired, the next record deletes its journal; a load does too.
        var later = new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero);
        await log.RecordAsync("k2", Record(later, accepted: 1), "b2");
        Assert.Equal(["acme/push/2026-03-04"], await journal.ListKeysAsync(Prefix + "/"));

        var reloaded = new IdempotencyLog(journal, Prefix, s_lifetime);
        await reloaded.LoadAsync(later.AddDays(2));
        Assert.Equal(0, reloaded.Count);
        Assert.Empty(await journal.ListKeysAsync(Prefix + "/"));
    }

    [Fact]
    public async Task EachRecordIsOneEntryWhateverTheKeysAlreadyHeld()
    {
        var journal = CreateJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(Morning);
        for (var i = 0; i < 2_000; i++)
        {
            await log.RecordAsync($"key-{i:00000}", Record(Morning.AddSeconds(i), accepted: i), $"b{i}");
        }

        var state = await journal.LoadAsync("acme/push/2026-03-02");
        Assert.Equal(2_000, state.Entries.Count);
        Assert.Equal(2_000, log.Count);
        Assert.Single(state.Entries.Select(e => e.Payload.Length).Distinct());
        Assert.InRange(state.Entries[0].Payload.Length, 1, 200);
    }

    [Fact]
    public async Task ASecondActivationTakesInWhatTheFirstWroteBeforeAppending()
    {
        var journal = CreateJournal();
        var first = new IdempotencyLog(journal, Prefix, s_lifetime);
        var second = new IdempotencyLog(journal, Prefix, s_lifetime);
        await first.LoadAsync(Morning);
        await second.LoadAsync(Morning);

        await first.RecordAsync("a", Record(Morning, accepted: 1), "ba");
        await second.RecordAsync("b", Record(Morning.AddMinutes(1), accepted: 2), "bb");

        Assert.True(second.TryGet("a", Morning.AddMinutes(2), out var a));
        Assert.Equal(1, a.Answer.Accepted);
        var reloaded = new IdempotencyLog(journal, Prefix, s_lifetime);
        await reloaded.LoadAsync(Morning.AddMinutes(2));
        Assert.Equal(2, reloaded.Count);
    }

    [Fact]
    public async Task KeysOfTheFormerIngestStateAreTakenOver()
    {
        var journal = CreateJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(Morning);
        var legacy = new Dictionary<string, IdempotencyRecord>
        {
            ["old"] = Record(Morning.AddHours(-30), accepted: 1), // expired: not taken over
            ["yesterday"] = Record(Morning.AddHours(-20), accepted: 2),
            ["today"] = Record(Morning.AddHours(-1), accepted: 3),
        };

        await log.ImportAsync(legacy, Morning);

        var reloaded = new IdempotencyLog(journal, Prefix, s_lifetime);
        await reloaded.LoadAsync(Morning);
        Assert.Equal(2, reloaded.Count);
        Assert.False(reloaded.TryGet("old", Morning, out _));
        Assert.True(reloaded.TryGet("yesterday", Morning, out var y));
        AssertSame(legacy["yesterday"], y);
    }

    protected abstract IMetricJournal CreateJournal();

    protected static IdempotencyRecord Record(DateTimeOffset at, long accepted, string? pushId = null, params (string Reason, long Count)[] rejected) => new()
    {
        Kind = "gestiones",
        BodyHash = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(accepted)),
        Answer = new IngestAnswer(accepted, rejected.ToDictionary(r => r.Reason, r => r.Count)),
        At = at,
        PushId = pushId,
    };

    private static void AssertSame(IdempotencyRecord expected, IdempotencyRecord actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.BodyHash, actual.BodyHash);
        Assert.Equal(expected.Answer.Accepted, actual.Answer.Accepted);
        Assert.Equal(expected.Answer.Rejected.OrderBy(r => r.Key), actual.Answer.Rejected.OrderBy(r => r.Key));
        Assert.Equal(expected.At, actual.At);
        Assert.Equal(expected.PushId, actual.PushId);
    }
}
