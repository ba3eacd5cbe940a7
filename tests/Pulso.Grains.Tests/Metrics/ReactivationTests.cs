using Orleans.TestingHost;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;
using Xunit.Abstractions;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>A day table's state and version live in the journal: a new activation, anywhere, carries on from them.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ReactivationTests(GrainClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly DateOnly s_day = new(2026, 5, 4);
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DeactivatedTableComesBackWithItsVersionAndFigures()
    {
        var day = await DayAsync(seed: 31, batches: 4);
        await day.ApplyAsync(0, 3);
        var before = await day.QueryAsync();
        var loads = day.Counts.Loads;

        await fixture.Cluster.DeactivateAsync(day.Table);

        Assert.Equal(3, await day.Table.GetVersion());
        Assert.Equal(loads + 1, day.Counts.Loads);
        Figures.Equal(before, await day.QueryAsync(), "after reactivation");
        Assert.True((await day.Table.Apply(day.Batches[1])).Duplicate);
        var next = await day.Table.Apply(day.Batches[3]);
        Assert.Equal((4L, false), (next.Version, next.Duplicate));
        Figures.Equal(day.Expected(0, 4), await day.QueryAsync(), "after the next batch");
    }

    [Fact]
    public async Task IdleCollectedTableComesBackFromItsSnapshot()
    {
        var day = await DayAsync(seed: 32, batches: 3);
        await day.ApplyAsync(0, 2);
        var before = await day.QueryAsync();
        var counts = day.Counts;
        var deactivated = fixture.Cluster.WaitForDeactivationAsync(day.Table);

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await deactivated.WaitAsync(s_patience);

        // Idle deactivation folds the deltas into a snapshot; the next activation starts from it.
        Assert.Equal(counts.Compactions + 1, day.Counts.Compactions);
        Assert.Equal(2, await day.Table.GetVersion());
        Assert.Equal(counts.Loads + 1, day.Counts.Loads);
        Figures.Equal(before, await day.QueryAsync(), "after reactivation from the snapshot");
        Assert.True((await day.Table.Apply(day.Batches[0])).Duplicate);
        Assert.Equal(3, (await day.Table.Apply(day.Batches[2])).Version);
        Figures.Equal(day.Expected(0, 3), await day.QueryAsync(), "after the next batch");
    }

    [Fact]
    public async Task MigratedTableKeepsItsVersionOnTheOtherSilo()
    {
        var day = await DayAsync(seed: 33, batches: 3);
        await day.ApplyAsync(0, 2);
        var from = HostOf(day.Table);
        var to = fixture.Cluster.GetActiveSilos().First(s => !s.SiloAddress.Equals(from)).SiloAddress;

        await fixture.Cluster.MigrateAsync(day.Table, to);

        Assert.Equal(2, await day.Table.GetVersion());
        Assert.Equal(to, HostOf(day.Table));
        Assert.Equal(3, (await day.Table.Apply(day.Batches[2])).Version);
        Figures.Equal(day.Expected(0, 3), await day.QueryAsync(), "after migrating and the next batch");
    }

    [Fact]
    public async Task KilledSiloLosesNothing()
    {
        var day = await DayAsync(seed: 34, batches: 12);
        await day.ApplyAsync(0, 4);

        // Put the table on a silo other than the primary (which holds the test membership), then kill that silo
        // while batches keep coming; each batch is retried under its own id until the cluster answers again.
        var victim = fixture.Cluster.SecondarySilos[0];
        if (!victim.SiloAddress.Equals(HostOf(day.Table)))
        {
            await fixture.Cluster.MigrateAsync(day.Table, victim.SiloAddress);
        }

        Assert.Equal(4, await day.Table.GetVersion());
        Assert.Equal(victim.SiloAddress, HostOf(day.Table));
        var failures = 0;
        var loadsBeforeKill = 0L;
        var results = new List<ApplyResult>();
        try
        {
            await SendAsync(4, 6);
            loadsBeforeKill = day.Counts.Loads;
            var killing = fixture.Cluster.KillSiloAsync(victim);
            await SendAsync(6, 9);
            await killing;
            await SendAsync(9, 12);
        }
        finally
        {
            await RestoreTwoSilosAsync(fixture.Cluster);
        }

        output.WriteLine($"{failures} failed calls while the cluster recovered; duplicates {day.Counts.Duplicates}, conflicts {day.Counts.Conflicts}, loads {day.Counts.Loads}");
        Assert.False(victim.IsActive);
        Assert.NotEqual(victim.SiloAddress, HostOf(day.Table));
        Assert.True(day.Counts.Loads > loadsBeforeKill, "the table was loaded again from the journal on a surviving silo");
        Assert.Equal(Enumerable.Range(5, 8).Select(v => (long)v), results.Select(r => r.Version));
        Assert.Equal(12, await day.Table.GetVersion());
        Assert.Equal(12, day.Counts.Appends);
        Figures.Equal(day.Expected(0, 12), await Patience.RetryAsync(day.QueryAsync, s_patience), "after the kill");
        Assert.Equal(day.Rows(0, 12).Count, Figures.Total(await day.QueryAsync(Queries.Of(s_day, s_day, [])), "total_gestiones"));

        async Task SendAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                var batch = day.Batches[i];
                results.Add(await Patience.RetryAsync(() => day.Table.Apply(batch), s_patience, _ => failures++));
            }
        }
    }

    private static async Task RestoreTwoSilosAsync(TestCluster cluster)
    {
        if (cluster.GetActiveSilos().Count() < 2)
        {
            await cluster.StartAdditionalSiloAsync(startAdditionalSiloOnNewPort: true);
        }
    }

    /// <summary>The silo that holds the grain's activation (the grain must be active).</summary>
    private SiloAddress HostOf(IAddressable grain) =>
        fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.Address.SiloAddress is { } silo
            ? silo
            : throw new InvalidOperationException($"{grain.GetGrainId()} has no activation");

    private async Task<DayUnderTest> DayAsync(int seed, int batches)
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var chunks = Gestiones.Generate(seed, batches * 400, [s_day]).Chunk(400).ToList();
        return new DayUnderTest(fixture, tenant, chunks, [.. chunks.Select((rows, i) => Gestiones.DayBatch($"g-{seed}-{i}", rows))]);
    }

    /// <summary>One tenant's day under test: its batches (by index), the table grain, and the figures to expect.</summary>
    private sealed class DayUnderTest(GrainClusterFixture fixture, string tenant, List<GestionRow[]> chunks, List<DayBatch> batches)
    {
        private static readonly MetricQueryContract s_query = Queries.Of(s_day, s_day, ["ejecutivo", "canal"], Queries.AllMetrics);

        public List<DayBatch> Batches { get; } = batches;

        public IMetricTableGrain Table { get; } = fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, s_day));

        public JournalCounts Counts => fixture.Journal.CountsFor(GrainKeys.Day(tenant, s_day));

        public async Task ApplyAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                Assert.Equal(i + 1, (await Table.Apply(Batches[i])).Version);
            }
        }

        public List<GestionRow> Rows(int from, int to) => [.. chunks.Skip(from).Take(to - from).SelectMany(c => c)];

        public Task<QueryResultContract> QueryAsync() => QueryAsync(s_query);

        public Task<QueryResultContract> QueryAsync(MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);

        public QueryResultContract Expected(int from, int to)
        {
            var reference = new ReferenceEngine();
            reference.Add(Rows(from, to));
            return reference.Evaluate(s_query, Tenants.Homologation, Tenants.Metrics);
        }
    }
}
