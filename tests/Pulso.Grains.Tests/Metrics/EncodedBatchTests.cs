using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>
/// A day batch sent already in the journal's format (what <c>pulso import</c> sends) counts as the same rows sent as
/// arrays, exactly once, is stored as it came, and is checked as strictly before anything is stored.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class EncodedBatchTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 10, 5);

    [Fact]
    public async Task EncodedBatchCountsOnceLikeTheSameRowsSentAsArrays()
    {
        var asArrays = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var encoded = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var rows = Gestiones.Generate(seed: 91, count: 900, [s_day]);
        var batch = Gestiones.DayBatch("g-encoded-0", rows);
        var hours = Gestiones.Jornadas("j-encoded", s_day, [("ej-01", 750), ("ej-02", 800)]);
        var payload = Encode(batch.ToGestionBatch());
        var jornadas = DayDeltaCodec.Encode(new DayDelta(null, [("ej-01", 750), ("ej-02", 800)]));

        await Table(asArrays).Apply(batch);
        await Table(asArrays).Apply(hours);
        var first = await Table(encoded).ApplyEncoded(new EncodedDayBatch("g-encoded-0", s_day, payload));
        var replay = await Table(encoded).ApplyEncoded(new EncodedDayBatch("g-encoded-0", s_day, payload));
        await Table(encoded).ApplyEncoded(new EncodedDayBatch("j-encoded", s_day, jornadas));

        Assert.Equal(new ApplyResult(1, Duplicate: false, first.ChangedCells, Rows: 900), first);
        Assert.Equal(new ApplyResult(1, Duplicate: true, ChangedCells: 0, Rows: 0), replay);
        var query = Queries.Of(s_day, s_day, ["ejecutivo", "canal"], Queries.AllMetrics);
        Figures.Equal(await Query(asArrays, query), await Query(encoded, query), "encoded against arrays");
        var stored = await fixture.Journal.LoadAsync(GrainKeys.Day(encoded, s_day));
        Assert.Equal([payload, jornadas], stored.Entries.Select(e => e.Payload));

        // Replayed from the journal after a deactivation, the figures stay.
        await fixture.Cluster.DeactivateAsync(Table(encoded));
        Assert.Equal(2, await Table(encoded).GetVersion());
        Figures.Equal(await Query(asArrays, query), await Query(encoded, query), "after reactivation");
    }

    public static TheoryData<string> BadImages => ["flipped byte", "row of another day", "hora 24", "tramo 6", "empty documento", "not a delta"];

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task BadImageIsRefusedBeforeItIsStored(string fault)
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var key = GrainKeys.Day(tenant, s_day);
        await Table(tenant).ApplyEncoded(new EncodedDayBatch("g-good-0", s_day, Encode(Build(s_day, hora: 9, tramo: 1, documento: "D1"))));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Table(tenant).ApplyEncoded(new EncodedDayBatch("g-bad-0", s_day, Bad(fault))));

        Assert.Equal(1, fixture.Journal.CountsFor(key).Appends);
        Assert.Equal(1, await Table(tenant).GetVersion());
        Assert.Equal(1, Figures.Total(await Query(tenant, Queries.Of(s_day, s_day, [])), "total_gestiones"));
    }

    private static byte[] Bad(string fault)
    {
        switch (fault)
        {
            case "flipped byte":
                var bytes = Encode(Build(s_day, hora: 9, tramo: 1, documento: "D2"));
                bytes[20] ^= 0x40;
                return bytes;
            case "row of another day":
                return Encode(Build(s_day.AddDays(1), hora: 9, tramo: 1, documento: "D2"));
            case "hora 24":
                return Encode(Build(s_day, hora: 24, tramo: 1, documento: "D2"));
            case "tramo 6":
                return Encode(Build(s_day, hora: 9, tramo: 6, documento: "D2"));
            case "empty documento":
                return Encode(Build(s_day, hora: 9, tramo: 1, documento: " "));
            case "not a delta":
                return MetricTableCodec.Encode(new MetricTable(s_day));
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "no such fault");
        }
    }

    private static GestionBatch Build(DateOnly day, int hora, int tramo, string documento)
    {
        var builder = new GestionBatchBuilder();
        builder.Add(day.DayNumber, hora, "ej-00", "LLAMADA", "PROMESA DE PAGO", tramo, 100, documento);
        return builder.Build();
    }

    private static byte[] Encode(GestionBatch batch) => DayDeltaCodec.Encode(new DayDelta(batch));

    private IMetricTableGrain Table(string tenant) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, s_day));

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
