using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;
using Pulso.Grains.Tests.Support;
using Xunit.Abstractions;

namespace Pulso.Grains.Tests.Persistence;

/// <summary>DESIGN 3: persisting a batch costs in proportion to the batch, not to the day's state.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class PersistedBytesTests(GrainClusterFixture fixture, ITestOutputHelper output)
{
    private const int RowsPerBatch = 10_000;
    private static readonly DateOnly s_smallDay = new(2026, 7, 1);
    private static readonly DateOnly s_bigDay = new(2026, 7, 2);

    [Fact]
    public async Task BytesWrittenPerBatchDoNotGrowWithTheDay()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var big = Table(tenant, s_bigDay);
        var prefill = Gestiones.Generate(seed: 51, count: 200_000, [s_bigDay], ejecutivos: 40, documentos: 150_000);
        foreach (var (chunk, index) in prefill.Chunk(50_000).Select((chunk, index) => (chunk, index)))
        {
            await big.Apply(Gestiones.DayBatch($"g-prefill-{index}", chunk));
        }

        // Enough batches that their payloads add up to a few snapshots of the big day: compactions are
        // amortised over a whole cycle instead of being caught, or missed, at one end of the window.
        var snapshotBytes = (await big.GetSnapshot()).Table.Length;
        var sample = Rows(seed: 0, s_bigDay);
        var count = (int)Math.Clamp(Math.Ceiling(2.5 * snapshotBytes / Encoded(Gestiones.DayBatch("sample", sample))), 10, 200);
        var rows = Enumerable.Range(1, count).Select(seed => Rows(seed, s_bigDay)).ToList();
        var batches = rows.Select((r, i) => Gestiones.DayBatch($"g-measured-{i}", r)).ToList();
        long payload = batches.Sum(Encoded);

        var onBig = await MeasureAsync(tenant, s_bigDay, batches);
        var sameRowsOnTheSmallDay = rows.Select((r, i) => Gestiones.DayBatch($"g-measured-{i}", [.. r.Select(g => g with { Day = s_smallDay })]));
        var onSmall = await MeasureAsync(tenant, s_smallDay, [.. sameRowsOnTheSmallDay]);

        output.WriteLine($"{count} batches of {RowsPerBatch} rows, {payload / count:N0} bytes each encoded; big day snapshot {snapshotBytes:N0} bytes");
        output.WriteLine($"big day:   {onBig.BytesWritten / count:N0} bytes written per batch ({onBig.Compactions} compactions, {onBig.SnapshotBytes:N0} snapshot bytes)");
        output.WriteLine($"small day: {onSmall.BytesWritten / count:N0} bytes written per batch ({onSmall.Compactions} compactions, {onSmall.SnapshotBytes:N0} snapshot bytes)");

        // Each batch appends exactly its own encoding, whatever the day holds.
        Assert.Equal((count, payload), (onBig.Appends, onBig.AppendedBytes));
        Assert.Equal((count, payload), (onSmall.Appends, onSmall.AppendedBytes));

        // Amortised over the run, compactions included, a batch costs a small multiple of itself.
        Assert.InRange(onBig.BytesWritten, payload, 4 * payload);
        Assert.InRange(onSmall.BytesWritten, payload, 4 * payload);

        // A day holding 200,000 rows more does not make a batch cost more than twice as much.
        Assert.InRange(onBig.BytesWritten, 0, 2 * onSmall.BytesWritten);

        var totals = await fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, Queries.Of(s_bigDay, s_bigDay, []));
        Assert.Equal(prefill.Count + (count * RowsPerBatch), Figures.Total(totals, "total_gestiones"));
    }

    private static List<GestionRow> Rows(int seed, DateOnly day) => Gestiones.Generate(seed, RowsPerBatch, [day], ejecutivos: 40, documentos: 150_000);

    /// <summary>The batch's own encoded size: what the journal stores for it.</summary>
    private static long Encoded(DayBatch batch) =>
        DayDeltaCodec.Encode(new DayDelta(batch.ToGestionBatch(), batch.JornadaEjecutivos.Zip(batch.JornadaCents).ToList())).Length;

    private async Task<JournalCounts> MeasureAsync(string tenant, DateOnly day, List<DayBatch> batches)
    {
        var key = GrainKeys.Day(tenant, day);
        var table = Table(tenant, day);
        await table.GetVersion();
        var before = fixture.Journal.CountsFor(key);
        foreach (var batch in batches)
        {
            Assert.False((await table.Apply(batch)).Duplicate);
        }

        return fixture.Journal.CountsFor(key) - before;
    }

    private IMetricTableGrain Table(string tenant, DateOnly day) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, day));
}
