using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>
/// What the journal holds and what the table shows must not drift apart: a batch that cannot be applied must not
/// be stored (every later activation replays it), and a batch that is stored must show in the figures.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class StoredBatchIntegrityTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 9, 1);

    public static TheoryData<string> UnappliableBatches => ["saldo sum past the largest amount", "more canales than a table holds"];

    [Theory]
    [MemberData(nameof(UnappliableBatches))]
    public async Task BatchTheTableCannotHoldIsRefusedBeforeItIsStored(string fault)
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var table = Table(tenant);
        var rows = Gestiones.Generate(seed: 71, count: 400, [s_day]);
        await table.Apply(Gestiones.DayBatch("g-good-0", rows[..200]));
        var before = await Query(tenant);
        var stored = fixture.Journal.CountsFor(GrainKeys.Day(tenant, s_day));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => table.Apply(Unappliable(fault)));

        Assert.Equal(stored, fixture.Journal.CountsFor(GrainKeys.Day(tenant, s_day)));
        Assert.Equal(1, await table.GetVersion());
        Figures.Equal(before, await Query(tenant), $"after refusing a batch with {fault}");

        // The day goes on taking batches, and comes back after a deactivation.
        Assert.Equal(2, (await table.Apply(Gestiones.DayBatch("g-good-1", rows[200..]))).Version);
        await fixture.Cluster.DeactivateAsync(table);
        Assert.Equal(2, await table.GetVersion());
        Assert.Equal(400, Figures.Total(await Query(tenant, Queries.Of(s_day, s_day, [])), "total_gestiones"));
    }

    [Fact]
    public async Task BatchStoredByAnotherActivationShowsOnceItIsReportedDuplicate()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var table = Table(tenant);
        var key = GrainKeys.Day(tenant, s_day);
        var rows = Gestiones.Generate(seed: 72, count: 600, [s_day]);
        var first = Gestiones.DayBatch("g-race-0", rows[..300]);
        var second = Gestiones.DayBatch("g-race-1", rows[300..]);
        Assert.Equal(1, (await table.Apply(first)).Version);

        // A second activation of the same table (a failover race) stores the next batch, as the grain would.
        var payload = DayDeltaCodec.Encode(new DayDelta(second.ToGestionBatch(), []));
        Assert.Equal(new AppendResult(AppendStatus.Appended, 2), await fixture.Journal.AppendAsync(key, second.BatchId, 1, payload));

        // The client's retry reaches this activation: the batch is stored, so it must be counted, and the version
        // must be the journal's.
        var retry = await table.Apply(second);

        Assert.True(retry.Duplicate);
        Assert.Equal(2, retry.Version);
        Assert.Equal(2, await table.GetVersion());
        Assert.Equal(600, Figures.Total(await Query(tenant, Queries.Of(s_day, s_day, [])), "total_gestiones"));
    }

    /// <summary>A batch that passes every per-row check but that no day table can take.</summary>
    private static DayBatch Unappliable(string fault)
    {
        var builder = new GestionBatchBuilder();
        switch (fault)
        {
            case "saldo sum past the largest amount":
                // 100 rows of the largest saldo in one cell: each row is valid, their sum is not a long.
                for (var i = 0; i < 100; i++)
                {
                    builder.Add(s_day.DayNumber, 9, "ej-00", "LLAMADA", "PROMESA DE PAGO", 0, GestionRules.MaxAbsCents, $"D{i:000000}");
                }

                break;
            case "more canales than a table holds":
                for (var i = 0; i < 300; i++)
                {
                    builder.Add(s_day.DayNumber, 9, "ej-00", $"CANAL-{i:000}", "PROMESA DE PAGO", 0, 100, $"D{i:000000}");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "no such fault");
        }

        return builder.Build().ToDayBatch("g-unappliable", s_day);
    }

    private IMetricTableGrain Table(string tenant) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, s_day));

    private Task<QueryResultContract> Query(string tenant) => Query(tenant, Queries.Of(s_day, s_day, ["canal"]));

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) =>
        fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
