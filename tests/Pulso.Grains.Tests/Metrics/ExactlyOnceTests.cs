using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>A batch id is applied once per day table, whoever sends it and however often.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ExactlyOnceTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 4, 1);

    [Fact]
    public async Task ReplayedBatchIsCountedOnce()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var table = Table(tenant, s_day);
        var rows = Gestiones.Generate(seed: 21, count: 800, [s_day]);
        var batch = Gestiones.DayBatch("g-replay-0", rows);

        var first = await table.Apply(batch);
        var figures = await Query(tenant);
        var replay = await table.Apply(batch);

        Assert.Equal(new ApplyResult(Version: 1, Duplicate: false, first.ChangedCells, Rows: 800), first);
        Assert.True(first.ChangedCells > 0);
        Assert.Equal(new ApplyResult(Version: 1, Duplicate: true, ChangedCells: 0, Rows: 0), replay);
        Assert.Equal(1, await table.GetVersion());
        Figures.Equal(figures, await Query(tenant), "after the replay");
        Assert.Equal(800, Figures.Total(await Query(tenant), "total_gestiones"));
        var stored = fixture.Journal.CountsFor(GrainKeys.Day(tenant, s_day));
        Assert.Equal((1, 1), (stored.Appends, stored.Duplicates));
    }

    [Fact]
    public async Task ConcurrentSendsOfOneBatchCountItOnce()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var table = Table(tenant, s_day);
        var rows = Gestiones.Generate(seed: 22, count: 500, [s_day]);
        var batch = Gestiones.DayBatch("push-idempotency-key-1", rows);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => table.Apply(batch)));

        Assert.Single(results, r => !r.Duplicate);
        Assert.All(results, r => Assert.Equal(1, r.Version));
        Assert.Equal(500, Figures.Total(await Query(tenant), "total_gestiones"));
    }

    [Fact]
    public async Task ReRunningAnImportIsANoOpWhileNewIdsCountAgain()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        DateOnly[] days = [s_day, s_day.AddDays(1), s_day.AddDays(2)];
        var rows = Gestiones.Generate(seed: 23, count: 3_000, days);
        var chunks = rows.Chunk(700).ToList();
        var query = Queries.Of(days[0], days[^1], ["dia", "canal"], Queries.AllMetrics);
        var reference = new ReferenceEngine();
        reference.Add(rows);

        await ImportAsync("g-first", chunks, expectDuplicates: false);
        var imported = await Query(tenant, query);
        var versions = await VersionsAsync(tenant, days);
        var stored = days.Select(d => fixture.Journal.CountsFor(GrainKeys.Day(tenant, d))).ToList();

        // The same run again: every day batch is a duplicate, nothing is stored, nothing moves.
        await ImportAsync("g-first", chunks, expectDuplicates: true);
        Figures.Equal(imported, await Query(tenant, query), "after re-running the import");
        Assert.Equal(versions, await VersionsAsync(tenant, days));
        Assert.Equal(stored.Select(s => s.BytesWritten), days.Select(d => fixture.Journal.CountsFor(GrainKeys.Day(tenant, d)).BytesWritten));

        // Same id, other rows: still a duplicate, since the id is what identifies a batch.
        var other = Gestiones.DayBatch("g-first-0", Gestiones.Generate(seed: 24, count: 50, [days[0]]));
        Assert.True((await Table(tenant, days[0]).Apply(other)).Duplicate);
        Figures.Equal(imported, await Query(tenant, query), "after a different batch under a used id");

        // Same rows, new ids: counted again.
        await ImportAsync("g-second", chunks, expectDuplicates: false);
        reference.Add(rows);
        var twice = await Query(tenant, query);
        Figures.Equal(reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics), twice, "after importing the rows under new ids");
        Assert.Equal(2L * rows.Count, twice.Metrics.Single(m => m.Name == "total_gestiones").Values.Sum());
        Assert.Equal(versions.Select(v => 2 * v), await VersionsAsync(tenant, days));

        async Task ImportAsync(string prefix, List<GestionRow[]> batches, bool expectDuplicates)
        {
            for (var i = 0; i < batches.Count; i++)
            {
                foreach (var batch in Gestiones.DayBatches($"{prefix}-{i}", batches[i]))
                {
                    Assert.Equal(expectDuplicates, (await Table(tenant, batch.Day).Apply(batch)).Duplicate);
                }
            }
        }
    }

    private async Task<long[]> VersionsAsync(string tenant, IEnumerable<DateOnly> days) =>
        await Task.WhenAll(days.Select(d => Table(tenant, d).GetVersion()));

    private IMetricTableGrain Table(string tenant, DateOnly day) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, day));

    private Task<QueryResultContract> Query(string tenant) => Query(tenant, Queries.Of(s_day, s_day, []));

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
