using Orleans.TestingHost;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;
using Xunit.Abstractions;

namespace Pulso.Grains.Tests.Alerts;

/// <summary>Notifications go out from a persisted outbox: retried on failures, never lost, never sent twice.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class DeliveryTests(GrainClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReceiverAnswering500TwiceThen200GetsTheNotificationExactlyOnce()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        t.Receiver.Script(t.Path("flaky"), 500, 500);
        await t.PutAsync(AlertTenant.Rule("volumen", "total_gestiones", "gte", 3m, t.Webhook("flaky")));

        await t.ApplyAsync(3, AlertTenant.Contact);
        var requests = await t.Receiver.WaitAsync(t.Path("flaky"), r => r.Any(x => x.Status == 200), s_patience);
        await t.DrainedAsync(s_patience);

        requests = t.Receiver.On(t.Path("flaky"));
        Assert.Equal([500, 500, 200], requests.Select(r => r.Status));
        Assert.Equal(["1", "2", "3"], requests.Select(r => r.Header("X-Pulso-Attempt")));
        var firing = Assert.Single(await t.Alerts.History(100));
        Assert.All(requests, r => Assert.Equal(firing.NotificationId, r.Header("X-Pulso-Notification-Id")));
        Assert.All(requests, r => Assert.Equal(requests[0].Text, r.Text));
    }

    [Fact]
    public async Task ReceiverRefusingWithA4xxIsNotRetriedAndTheHistorySaysSo()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        t.Receiver.Script(t.Path("gone"), 410);
        await t.PutAsync(AlertTenant.Rule("volumen", "total_gestiones", "gte", 1m, t.Webhook("gone")));

        await t.ApplyAsync(1, AlertTenant.Contact);
        var history = await t.HistoryAsync(h => h.Any(e => e.Kind == "undelivered"), s_patience);
        await t.DrainedAsync(s_patience);

        Assert.Equal(["firing", "undelivered"], history.Select(e => e.Kind));
        Assert.Contains("HTTP 410", history[1].Detail, StringComparison.Ordinal);
        Assert.Equal([410], t.Receiver.On(t.Path("gone")).Select(r => r.Status));
    }

    [Fact]
    public async Task SiloKilledBetweenFiringAndDeliveryStillDeliversExactlyOnce()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        var path = t.Path("down");
        t.Receiver.Hold(path, 503);
        await t.PutAsync(AlertTenant.Rule("volumen", "total_gestiones", "gte", 5m, t.Webhook("down")));

        // The tenant's alert grain lives on a silo other than the primary (which holds the test membership).
        var victim = fixture.Cluster.SecondarySilos[0];
        if (!victim.SiloAddress.Equals(HostOf(t.Alerts)))
        {
            await fixture.Cluster.MigrateAsync(t.Alerts, victim.SiloAddress);
        }

        Assert.Equal(victim.SiloAddress, HostOf(t.Alerts));
        try
        {
            // It fires and persists the notification; the receiver is down, so delivery keeps failing.
            await t.ApplyAsync(5, AlertTenant.NoContact);
            var refused = await t.Receiver.WaitAsync(path, r => r.Count >= 1, s_patience);
            var id = refused[0].Header("X-Pulso-Notification-Id");

            await fixture.Cluster.KillSiloAsync(victim);
            var attemptsBeforeKill = t.Receiver.On(path).Count;
            t.Receiver.Release(path);

            // Anything that reaches the tenant's alerts again (here a read; else the next batch or the reminder) resumes the outbox elsewhere.
            await Patience.RetryAsync(() => t.Alerts.Pending(), s_patience, e => output.WriteLine($"while the cluster recovers: {e.GetType().Name}"));
            await t.Receiver.WaitAsync(path, r => r.Any(x => x.Status == 200), s_patience);
            await t.DrainedAsync(s_patience);

            var requests = t.Receiver.On(path);
            output.WriteLine($"{attemptsBeforeKill} refused attempts before the kill, {requests.Count} in all");
            Assert.Single(requests, r => r.Status == 200);
            Assert.Equal(200, requests[^1].Status);
            Assert.All(requests, r => Assert.Equal(id, r.Header("X-Pulso-Notification-Id")));
            var history = await t.Alerts.History(100);
            Assert.Equal(id, Assert.Single(history).NotificationId);
            Assert.NotEqual(victim.SiloAddress, HostOf(t.Alerts));
        }
        finally
        {
            t.Receiver.Release(path);
            await RestoreTwoSilosAsync(fixture.Cluster);
        }
    }

    [Fact]
    public async Task DeletingTheTenantDropsItsRulesHistoryAndPendingNotifications()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        t.Receiver.Hold(t.Path("held"), 503);
        try
        {
            await t.PutAsync(AlertTenant.Rule("volumen", "total_gestiones", "gte", 1m, t.Webhook("held")));
            await t.ApplyAsync(1, AlertTenant.Contact);
            await t.Receiver.WaitAsync(t.Path("held"), r => r.Count >= 1, s_patience);
            Assert.Single(await t.Alerts.Pending());

            await fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(t.Id)).Delete();

            Assert.Empty(await t.Alerts.List());
            Assert.Empty(await t.Alerts.History(100));
            Assert.Empty(await t.Alerts.Pending());
        }
        finally
        {
            t.Receiver.Release(t.Path("held"));
        }
    }

    private static async Task RestoreTwoSilosAsync(TestCluster cluster)
    {
        if (cluster.GetActiveSilos().Count() < 2)
        {
            await cluster.StartAdditionalSiloAsync(startAdditionalSiloOnNewPort: true);
        }
    }

    private SiloAddress HostOf(IAddressable grain) =>
        fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.Address.SiloAddress is { } silo
            ? silo
            : throw new InvalidOperationException($"{grain.GetGrainId()} has no activation");
}
