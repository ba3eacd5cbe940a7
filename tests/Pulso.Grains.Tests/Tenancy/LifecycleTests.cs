using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Tenancy;

/// <summary>Deleting a tenant removes every trace of it; retention purges the days before the window (DESIGN 5).</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class LifecycleTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly[] s_days = [new(2026, 5, 10), new(2026, 5, 11)];

    [Fact]
    public async Task DeletingATenantRemovesItsDataKeysAndAuditAndLeavesOtherTenantsAlone()
    {
        var doomed = await Tenants.CreateAsync(fixture.Client);
        var neighbour = await Tenants.CreateAsync(fixture.Client);
        foreach (var tenant in new[] { doomed, neighbour })
        {
            await ApplyAsync(tenant, Gestiones.Generate(seed: 7, count: 500, s_days), "g-lifecycle");
        }

        // A keyed push leaves its idempotency key in the tenant's key journal, which the deletion must remove too.
        var pushed = Gestiones.Generate(seed: 8, count: 20, [s_days[0]]);
        await fixture.Client.GetGrain<IIngestGrain>(GrainKeys.Ingest(doomed)).Push(new IngestPush(
            "gestiones", "push before the deletion", new byte[32], [.. Gestiones.DayBatches("assigned", pushed)], new IngestAnswer(20, new Dictionary<string, long>()), []));
        Assert.NotEmpty(await fixture.Journal.ListKeysAsync($"{doomed}/push/"));
        var key = await fixture.Client.GetGrain<IApiKeyGrain>(doomed).Create("pusher", "admin");
        await fixture.Client.GetGrain<IAuditGrain>(doomed).Append(new AuditEntry(DateTimeOffset.UtcNow, "admin@x", "admin", "PUT homologation", $"/api/v1/tenants/{doomed}/homologation", 200));
        var totals = Queries.Of(s_days[0], s_days[^1], [], [.. Pulso.Grains.Metrics.MetricCatalog.BuiltinNames]);
        var neighbourBefore = await Query(neighbour, totals);

        await fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(doomed)).Delete();

        var grain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(doomed));
        Assert.False(await grain.Exists());
        Assert.Null(await grain.GetSettings());
        Assert.Empty(await fixture.Journal.ListKeysAsync($"{doomed}/"));
        Assert.Empty(await fixture.Client.GetGrain<IApiKeyGrain>(doomed).List());
        Assert.Null(await fixture.Client.GetGrain<IApiKeyGrain>(doomed).Validate(key.Info.Id, "anything"));
        Assert.Empty(await fixture.Client.GetGrain<IAuditGrain>(doomed).List(100));
        Assert.DoesNotContain(doomed, await fixture.Client.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Query(doomed, totals));

        Assert.Equal(s_days.Length, (await fixture.Journal.ListKeysAsync($"{neighbour}/")).Count);
        Figures.Equal(neighbourBefore, await Query(neighbour, totals), "the neighbour after the deletion");

        // The id is free again, and a tenant created under it starts from nothing.
        Assert.True(await grain.Create(TenantSettings.Default(doomed)));
        var fresh = await Query(doomed, totals);
        Assert.True(fresh.RowCount == 0 || Figures.Total(fresh, "total_gestiones") == 0, "a tenant re-created under a deleted id sees the old figures");
        Assert.Equal(0, await fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(doomed, s_days[0])).GetVersion());
    }

    [Fact]
    public async Task ATenantRecreatedUnderTheSameIdNeverSeesAnswersOfItsPredecessor()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var totals = Queries.Of(s_days[0], s_days[^1], [], [.. Pulso.Grains.Metrics.MetricCatalog.BuiltinNames]);
        await ApplyAsync(tenant, Gestiones.Generate(seed: 3, count: 900, s_days), "g-first-life");
        var before = await Query(tenant, totals);
        Assert.Equal(900, Figures.Total(before, "total_gestiones"));

        var grain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        await grain.Delete();
        Assert.True(await grain.Create(TenantSettings.Default(tenant)));
        Assert.Empty(await grain.SetHomologation(Tenants.Homologation));
        // The same days reach the same versions as in the first life, with other figures.
        await ApplyAsync(tenant, Gestiones.Generate(seed: 4, count: 300, s_days), "g-second-life");

        var after = await Query(tenant, totals);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(300, Figures.Total(after, "total_gestiones"));
    }

    [Fact]
    public async Task RetentionPurgesTheDaysBeforeTheWindowAndKeepsTheRest()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var grain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        Assert.Empty(await grain.UpdateSettings(TenantSettings.Default(tenant) with { RetentionDays = 30 }));
        var today = await grain.Today();
        DateOnly[] kept = [today, today.AddDays(-29)];
        DateOnly[] expired = [today.AddDays(-30), today.AddDays(-399)];
        var rows = Gestiones.Generate(seed: 11, count: 800, [.. kept, .. expired]);
        await ApplyAsync(tenant, rows, "g-retention");

        var purged = await grain.EnforceRetention();

        Assert.Equal(expired.Order(), purged);
        Assert.Equal(kept.Order(), (await fixture.Journal.ListKeysAsync($"{tenant}/")).Select(k => GrainKeys.ParseDay(k).Day).Order());
        var total = await Query(tenant, Queries.Of(today.AddDays(-399), today, [], ["total_gestiones"]));
        Assert.Equal(rows.Count(r => kept.Contains(r.Day)), Figures.Total(total, "total_gestiones"));
        Assert.Empty(await grain.EnforceRetention());
    }

    [Fact]
    public async Task TheAuditLogIsBoundedAndListsNewestFirst()
    {
        var audit = fixture.Client.GetGrain<IAuditGrain>(Tenants.NewId());
        var start = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < 3; i++)
        {
            await audit.Append(new AuditEntry(start.AddMinutes(i), $"admin-{i}", "admin", "PUT settings", "/api/v1/tenants/x", 200));
        }

        var entries = await audit.List(2);
        Assert.Equal(["admin-2", "admin-1"], entries.Select(e => e.Actor));
        Assert.Equal(3, (await audit.List(100)).Count);
    }

    private async Task ApplyAsync(string tenant, List<GestionRow> rows, string batchId)
    {
        foreach (var batch in Gestiones.DayBatches(batchId, rows))
        {
            await fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, batch.Day)).Apply(batch);
        }
    }

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
