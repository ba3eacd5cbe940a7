using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Ingestion;

/// <summary>A tenant's idempotency keys in their day journals: kept for their lifetime, written a record at a time.</summary>
public sealed class IdempotencyLogTests
{
    private const string Prefix = "acme/push";
    private static readonly TimeSpan s_lifetime = TimeSpan.FromHours(24);
    private static readonly DateTimeOffset s_morning = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task RecordsComeBackWhenAnotherActivationLoadsThem()
    {
        var journal = new MemoryMetricJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(s_morning);
        var first = Record(s_morning, accepted: 3, pushId: "req-1", rejected: ("fecha_invalida", 2));
        var second = Record(s_morning.AddHours(15), accepted: 7, pushId: null); // the next UTC day
        await log.RecordAsync("import #1", first, "b1");
        await log.RecordAsync("import #2", second, "b2");

        var again = new IdempotencyLog(journal, Prefix, s_lifetime);
        await again.LoadAsync(s_morning.AddHours(16));

        Assert.Equal(2, again.Count);
        Assert.True(again.TryGet("import #1", s_morning.AddHours(16), out var one));
        Assert.True(again.TryGet("import #2", s_morning.AddHours(16), out var two));
        AssertSame(first, one);
        AssertSame(second, two);
        Assert.Equal(["acme/push/2026-03-02", "acme/push/2026-03-03"], (await journal.ListKeysAsync("acme/")).Order());
    }

    [Fact]
    public async Task KeysExpireAfterTheirLifetimeAndTheirDayJournalGoes()
    {
        var journal = new MemoryMetricJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(s_morning);
        await log.RecordAsync("k", Record(s_morning, accepted: 1), "b1");

        Assert.True(log.TryGet("k", s_morning + s_lifetime - TimeSpan.FromTicks(1), out _));
        Assert.False(log.TryGet("k", s_morning + s_lifetime, out _));

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
        var journal = new MemoryMetricJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(s_morning);
        for (var i = 0; i < 2_000; i++)
        {
            await log.RecordAsync($"key-{i:00000}", Record(s_morning.AddSeconds(i), accepted: i), $"b{i}");
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
        var journal = new MemoryMetricJournal();
        var first = new IdempotencyLog(journal, Prefix, s_lifetime);
        var second = new IdempotencyLog(journal, Prefix, s_lifetime);
        await first.LoadAsync(s_morning);
        await second.LoadAsync(s_morning);

        await first.RecordAsync("a", Record(s_morning, accepted: 1), "ba");
        await second.RecordAsync("b", Record(s_morning.AddMinutes(1), accepted: 2), "bb");

        Assert.True(second.TryGet("a", s_morning.AddMinutes(2), out var a));
        Assert.Equal(1, a.Answer.Accepted);
        var reloaded = new IdempotencyLog(journal, Prefix, s_lifetime);
        await reloaded.LoadAsync(s_morning.AddMinutes(2));
        Assert.Equal(2, reloaded.Count);
    }

    [Fact]
    public async Task KeysOfTheFormerIngestStateAreTakenOver()
    {
        var journal = new MemoryMetricJournal();
        var log = new IdempotencyLog(journal, Prefix, s_lifetime);
        await log.LoadAsync(s_morning);
        var legacy = new Dictionary<string, IdempotencyRecord>
        {
            ["old"] = Record(s_morning.AddHours(-30), accepted: 1), // expired: not taken over
            ["yesterday"] = Record(s_morning.AddHours(-20), accepted: 2),
            ["today"] = Record(s_morning.AddHours(-1), accepted: 3),
        };

        await log.ImportAsync(legacy, s_morning);

        var reloaded = new IdempotencyLog(journal, Prefix, s_lifetime);
        await reloaded.LoadAsync(s_morning);
        Assert.Equal(2, reloaded.Count);
        Assert.False(reloaded.TryGet("old", s_morning, out _));
        Assert.True(reloaded.TryGet("yesterday", s_morning, out var y));
        AssertSame(legacy["yesterday"], y);
    }

    [Fact]
    public void DamagedEntriesAreRefusedWithTheFormatNamed()
    {
        var image = IdempotencyLog.Encode([("k", Record(s_morning, accepted: 5, pushId: "p"))]);
        var damaged = image.ToArray();
        damaged[^6] ^= 0x40;

        Assert.Equal(5, Assert.Single(IdempotencyLog.Decode(image)).Record.Answer.Accepted);
        Assert.Contains("idempotency keys", Assert.Throws<InvalidDataException>(() => IdempotencyLog.Decode(damaged)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdempotencyLog.Decode(image.AsSpan(0, image.Length - 3))).Message, StringComparison.Ordinal);
    }

    private static IdempotencyRecord Record(DateTimeOffset at, long accepted, string? pushId = null, params (string Reason, long Count)[] rejected) => new()
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
