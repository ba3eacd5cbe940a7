using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Persistence;

/// <summary>
/// What every <see cref="IMetricJournal"/> must do; each store runs these through a subclass. Every test uses
/// its own keys (and the Redis subclass its own key prefix), deleted afterwards.
/// </summary>
public abstract class MetricJournalContract : IAsyncLifetime
{
    private readonly List<string> _keys = [];
    private IMetricJournal? _journal;

    /// <summary>The store under test, created on first use so that a missing server fails the test that needs it.</summary>
    protected IMetricJournal Journal => _journal ??= CreateJournal();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_journal is not null)
        {
            foreach (var key in _keys)
            {
                await _journal.DeleteAsync(key);
            }
        }
    }

    [Fact]
    public async Task UnknownKeyLoadsAsAnEmptyJournal()
    {
        var state = await Journal.LoadAsync(NewKey());

        Assert.Null(state.Snapshot);
        Assert.Equal(0, state.SnapshotSequence);
        Assert.Empty(state.Entries);
        Assert.Equal(0, state.Sequence);
    }

    [Fact]
    public async Task AppendsGetConsecutiveSequencesAndLoadInOrder()
    {
        var key = NewKey();

        for (var i = 0; i < 5; i++)
        {
            var result = await Journal.AppendAsync(key, $"batch-{i}", i, Payload(i, 100 + i));
            Assert.Equal(new AppendResult(AppendStatus.Appended, i + 1), result);
        }

        var state = await Journal.LoadAsync(key);
        Assert.Equal(5, state.Sequence);
        Assert.Null(state.Snapshot);
        Assert.Equal([1L, 2, 3, 4, 5], state.Entries.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"batch-{i}"), state.Entries.Select(e => e.BatchId));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Payload(i, 100 + i), state.Entries[i].Payload);
        }
    }

    [Fact]
    public async Task PayloadsAreStoredByteForByte()
    {
        var key = NewKey();
        byte[] empty = [];
        var everyByte = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var large = Payload(7, 3 << 20);

        await Journal.AppendAsync(key, "empty", 0, empty);
        await Journal.AppendAsync(key, "every-byte", 1, everyByte);
        await Journal.AppendAsync(key, "lárge ✓", 2, large);

        var state = await Journal.LoadAsync(key);
        Assert.Equal(empty, state.Entries[0].Payload);
        Assert.Equal(everyByte, state.Entries[1].Payload);
        Assert.Equal(large, state.Entries[2].Payload);
        Assert.Equal("lárge ✓", state.Entries[2].BatchId);
    }

    [Fact]
    public async Task ReplayedBatchIsDuplicateWithTheSequenceItGot()
    {
        var key = NewKey();
        await Journal.AppendAsync(key, "a", 0, Payload(1, 10));
        await Journal.AppendAsync(key, "b", 1, Payload(2, 10));

        // Dedupe comes before the fence: a replay with a stale expected sequence is still a duplicate.
        Assert.Equal(new AppendResult(AppendStatus.Duplicate, 1), await Journal.AppendAsync(key, "a", 2, Payload(9, 99)));
        Assert.Equal(new AppendResult(AppendStatus.Duplicate, 1), await Journal.AppendAsync(key, "a", 0, Payload(9, 99)));
        Assert.Equal(new AppendResult(AppendStatus.Duplicate, 2), await Journal.AppendAsync(key, "b", 7, Payload(9, 99)));

        var state = await Journal.LoadAsync(key);
        Assert.Equal(2, state.Sequence);
        Assert.Equal(Payload(1, 10), state.Entries[0].Payload);
    }

    [Fact]
    public async Task StaleOrFutureExpectedSequenceConflicts()
    {
        var key = NewKey();
        await Journal.AppendAsync(key, "a", 0, Payload(1, 10));
        await Journal.AppendAsync(key, "b", 1, Payload(2, 10));

        Assert.Equal(new AppendResult(AppendStatus.Conflict, 2), await Journal.AppendAsync(key, "c", 1, Payload(3, 10)));
        Assert.Equal(new AppendResult(AppendStatus.Conflict, 2), await Journal.AppendAsync(key, "c", 5, Payload(3, 10)));

        // A conflicting batch was not recorded: it appends once the writer catches up.
        Assert.Equal(new AppendResult(AppendStatus.Appended, 3), await Journal.AppendAsync(key, "c", 2, Payload(3, 10)));
        Assert.Equal(3, (await Journal.LoadAsync(key)).Entries.Count);
    }

    [Fact]
    public async Task LoadAfterCompactionHasTheSnapshotAndTheLaterEntries()
    {
        var key = NewKey();
        await AppendMany(key, 5);

        Assert.True(await Journal.CompactAsync(key, 3, Payload(33, 1000)));

        var state = await Journal.LoadAsync(key);
        Assert.Equal(Payload(33, 1000), state.Snapshot);
        Assert.Equal(3, state.SnapshotSequence);
        Assert.Equal([4L, 5], state.Entries.Select(e => e.Sequence));
        Assert.Equal(["batch-3", "batch-4"], state.Entries.Select(e => e.BatchId));
        Assert.Equal(Payload(3, 50), state.Entries[0].Payload);
        Assert.Equal(5, state.Sequence);

        Assert.Equal(new AppendResult(AppendStatus.Appended, 6), await Journal.AppendAsync(key, "batch-5", 5, Payload(5, 50)));
        Assert.Equal([4L, 5, 6], (await Journal.LoadAsync(key)).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task CompactingUpToTheLastEntryLeavesOnlyTheSnapshot()
    {
        var key = NewKey();
        await AppendMany(key, 4);
        Assert.True(await Journal.CompactAsync(key, 2, Payload(22, 10)));

        Assert.True(await Journal.CompactAsync(key, 4, Payload(44, 10)));

        var state = await Journal.LoadAsync(key);
        Assert.Equal(Payload(44, 10), state.Snapshot);
        Assert.Equal(4, state.SnapshotSequence);
        Assert.Empty(state.Entries);
        Assert.Equal(4, state.Sequence);
    }

    [Fact]
    public async Task DuplicatesAreRecognisedAfterCompaction()
    {
        var key = NewKey();
        await AppendMany(key, 4);
        await Journal.CompactAsync(key, 4, Payload(44, 10));

        Assert.Equal(new AppendResult(AppendStatus.Duplicate, 2), await Journal.AppendAsync(key, "batch-1", 4, Payload(1, 50)));
        Assert.Equal(new AppendResult(AppendStatus.Duplicate, 4), await Journal.AppendAsync(key, "batch-3", 0, Payload(3, 50)));
        Assert.Equal(4, (await Journal.LoadAsync(key)).Sequence);
    }

    [Fact]
    public async Task StaleCompactionChangesNothing()
    {
        var key = NewKey();
        await AppendMany(key, 5);
        Assert.True(await Journal.CompactAsync(key, 4, Payload(44, 10)));

        Assert.False(await Journal.CompactAsync(key, 2, Payload(22, 10)));

        var state = await Journal.LoadAsync(key);
        Assert.Equal(Payload(44, 10), state.Snapshot);
        Assert.Equal(4, state.SnapshotSequence);
        Assert.Equal([5L], state.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task CompactingPastTheLastEntryIsRefused()
    {
        var key = NewKey();
        await AppendMany(key, 2);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Journal.CompactAsync(key, 3, Payload(33, 10)));

        var state = await Journal.LoadAsync(key);
        Assert.Null(state.Snapshot);
        Assert.Equal(2, state.Entries.Count);
    }

    [Fact]
    public async Task ConcurrentAppendsWithTheSameExpectedSequenceHaveExactlyOneWinner()
    {
        var key = NewKey();
        const int Writers = 12;
        for (var round = 0; round < 8; round++)
        {
            var expected = round;
            var results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w =>
                Task.Run(() => Journal.AppendAsync(key, $"round-{expected}-writer-{w}", expected, Payload(w, 64)))));

            var winner = Assert.Single(results, r => r.Status == AppendStatus.Appended);
            Assert.Equal(expected + 1, winner.Sequence);
            Assert.All(results.Where(r => r.Status != AppendStatus.Appended), r => Assert.Equal(new AppendResult(AppendStatus.Conflict, expected + 1), r));
        }

        var state = await Journal.LoadAsync(key);
        Assert.Equal(8, state.Sequence);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), state.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneBatchStoreItOnce()
    {
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Task.Run(() => Journal.AppendAsync(key, "the-batch", 0, Payload(1, 64)))));

        Assert.Single(results, r => r.Status == AppendStatus.Appended);
        Assert.All(results, r => Assert.Equal(1, r.Sequence));
        Assert.All(results.Where(r => r.Status != AppendStatus.Appended), r => Assert.Equal(AppendStatus.Duplicate, r.Status));
        Assert.Single((await Journal.LoadAsync(key)).Entries);
    }

    [Fact]
    public async Task DeleteForgetsEntriesSnapshotAndBatchIds()
    {
        var key = NewKey();
        await AppendMany(key, 3);
        await Journal.CompactAsync(key, 2, Payload(22, 10));

        await Journal.DeleteAsync(key);

        var state = await Journal.LoadAsync(key);
        Assert.Null(state.Snapshot);
        Assert.Empty(state.Entries);
        Assert.Equal(0, state.Sequence);
        Assert.Equal(new AppendResult(AppendStatus.Appended, 1), await Journal.AppendAsync(key, "batch-0", 0, Payload(0, 10)));
    }

    [Fact]
    public async Task JournalsOfDifferentKeysAreIndependent()
    {
        var monday = NewKey();
        var tuesday = NewKey();

        await Journal.AppendAsync(monday, "shared-id", 0, Payload(1, 10));
        Assert.Equal(new AppendResult(AppendStatus.Appended, 1), await Journal.AppendAsync(tuesday, "shared-id", 0, Payload(2, 10)));
        await Journal.CompactAsync(monday, 1, Payload(11, 10));

        Assert.Null((await Journal.LoadAsync(tuesday)).Snapshot);
        Assert.Equal(Payload(2, 10), (await Journal.LoadAsync(tuesday)).Entries[0].Payload);
    }

    [Fact]
    public async Task BadArgumentsAreRefused()
    {
        var journal = Journal;

        await Assert.ThrowsAsync<ArgumentException>(() => journal.LoadAsync("tenant/{day}"));
        await Assert.ThrowsAsync<ArgumentException>(() => journal.LoadAsync(" "));
        await Assert.ThrowsAsync<ArgumentException>(() => journal.AppendAsync(NewKey(), string.Empty, 0, [1]));
        await Assert.ThrowsAsync<ArgumentException>(() => journal.AppendAsync(NewKey(), new string('x', 2000), 0, [1]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => journal.AppendAsync(NewKey(), "a", -1, [1]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => journal.AppendAsync(NewKey(), "a", 0, null!));
    }

    [Fact]
    public async Task ListingFindsTheJournalsUnderAPrefixAndNoOthers()
    {
        var tenant = $"tenant-{Guid.NewGuid():N}";
        string[] days = [$"{tenant}/2026-01-05", $"{tenant}/2026-01-06", $"{tenant}/2026-02-01"];
        var neighbour = $"{tenant}x/2026-01-05";
        foreach (var key in days.Append(neighbour))
        {
            _keys.Add(key);
            await Journal.AppendAsync(key, "a", 0, Payload(1, 10));
        }

        await Journal.CompactAsync(days[1], 1, Payload(2, 10));
        Assert.Equal(days, (await Journal.ListKeysAsync($"{tenant}/")).Order(StringComparer.Ordinal));
        Assert.Empty(await Journal.ListKeysAsync($"{tenant}/*"));

        await Journal.DeleteAsync(days[0]);
        Assert.Equal(days[1..], (await Journal.ListKeysAsync($"{tenant}/")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CancelledCallDoesNotStart()
    {
        var journal = Journal;

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var key = NewKey();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => journal.AppendAsync(key, "a", 0, [1], cancelled.Token));

        Assert.Equal(0, (await journal.LoadAsync(key)).Sequence);
    }

    [Fact]
    public async Task ReplayingTheJournalRebuildsTheTable()
    {
        var key = NewKey();
        var live = new MetricTable(GeneratedGestiones.Day);
        long sequence = 0;
        for (var i = 0; i < 7; i++)
        {
            var delta = new DayDelta(GeneratedGestiones.Batch(seed: 300 + i, rows: 800), GeneratedGestiones.Jornadas(400 + i));
            var appended = await Journal.AppendAsync(key, $"batch-{i}", sequence, DayDeltaCodec.Encode(delta));
            Assert.Equal(AppendStatus.Appended, appended.Status);
            live.ApplyDelta(delta);
            sequence = appended.Sequence;
            if (i == 3)
            {
                Assert.True(await Journal.CompactAsync(key, sequence, MetricTableCodec.Encode(live)));
            }
        }

        var state = await Journal.LoadAsync(key);
        var rebuilt = MetricTableCodec.Decode(state.Snapshot);
        foreach (var entry in state.Entries)
        {
            rebuilt.ApplyDelta(DayDeltaCodec.Decode(entry.Payload));
        }

        Assert.Equal(4, state.SnapshotSequence);
        Assert.Equal(3, state.Entries.Count);
        GeneratedGestiones.AssertSameFigures(live, rebuilt);
        Assert.Equal(MetricTableCodec.Encode(live), MetricTableCodec.Encode(rebuilt));
    }

    protected abstract IMetricJournal CreateJournal();

    /// <summary>A journal key of this test, deleted when it ends.</summary>
    protected string NewKey()
    {
        var key = $"tenant-{Guid.NewGuid():N}/2026-01-05";
        _keys.Add(key);
        return key;
    }

    protected static byte[] Payload(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task AppendMany(string key, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(AppendStatus.Appended, (await Journal.AppendAsync(key, $"batch-{i}", i, Payload(i, 50))).Status);
        }
    }
}
