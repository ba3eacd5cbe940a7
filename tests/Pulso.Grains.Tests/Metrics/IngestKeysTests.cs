using System.Security.Cryptography;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>The push ingest's idempotency keys: they outlive the grain's activation, and a push writes only its own.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class IngestKeysTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly s_day = new(2026, 5, 4);

    [Fact]
    public async Task AKeyIsReplayedAfterTheIngestGrainComesBack()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var ingest = fixture.Client.GetGrain<IIngestGrain>(GrainKeys.Ingest(tenant));
        var push = Push("batch #1", Gestiones.Generate(seed: 41, count: 300, [s_day]), pushId: "request-1");

        var first = await ingest.Push(push);
        await fixture.Cluster.DeactivateAsync(ingest);
        var replay = await ingest.Push(push with { PushId = "request-2" });
        var ownRetry = await ingest.Push(push);
        var conflict = await ingest.Push(push with { BodyHash = SHA256.HashData("another body"u8), PushId = "request-3" });

        Assert.Equal(IngestStatus.Applied, first.Status);
        Assert.Equal((IngestStatus.Replayed, 300L), (replay.Status, replay.Answer.Accepted));
        Assert.Equal(IngestStatus.Applied, ownRetry.Status);
        Assert.Equal(IngestStatus.KeyConflict, conflict.Status);
        Assert.Equal(300, Figures.Total(await Total(tenant), "total_gestiones"));
    }

    [Fact]
    public async Task APushWritesItsOwnKeyAndNothingElse()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var ingest = fixture.Client.GetGrain<IIngestGrain>(GrainKeys.Ingest(tenant));
        var rows = Gestiones.Generate(seed: 42, count: 3, [s_day]);
        var written = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            var keys = await fixture.Journal.ListKeysAsync($"{tenant}/push/");
            var before = keys.Sum(k => fixture.Journal.CountsFor(k).AppendedBytes);
            Assert.Equal(IngestStatus.Applied, (await ingest.Push(Push($"key-{i:000}", rows, pushId: null))).Status);
            keys = await fixture.Journal.ListKeysAsync($"{tenant}/push/");
            written.Add(keys.Sum(k => fixture.Journal.CountsFor(k).AppendedBytes) - before);
        }

        // One record a push, the same size for the 1st key held as for the 200th.
        Assert.All(written, w => Assert.Equal(written[0], w));
        Assert.InRange(written[0], 1, 400);
        Assert.Equal(600, Figures.Total(await Total(tenant), "total_gestiones"));
    }

    private static IngestPush Push(string key, List<GestionRow> rows, string? pushId)
    {
        var batches = Gestiones.DayBatches("assigned-by-the-grain", rows).ToArray();
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key + rows.Count));
        return new IngestPush("gestiones", key, hash, batches, new IngestAnswer(rows.Count, new Dictionary<string, long>()), [], pushId);
    }

    private Task<QueryResultContract> Total(string tenant) =>
        fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, Queries.Of(s_day, s_day, []));
}
