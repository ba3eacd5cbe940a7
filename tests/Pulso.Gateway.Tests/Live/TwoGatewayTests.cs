using System.Net;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Live;

/// <summary>Two silos of one AdoNet cluster (Redis storage), each with its gateway: subscribers on both get the update.</summary>
public sealed class TwoGatewayTests
{
    [Fact]
    public async Task SubscribersOnTwoGatewaysBothReceiveAChangePushedThroughOne()
    {
        var clusterId = $"live-{Guid.NewGuid():N}"[..20];
        await using var first = LiveFactory.InCluster(clusterId);
        await using var second = LiveFactory.InCluster(clusterId);
        var tenant = await first.NewTenantAsync("two-gateways");
        _ = second.Address;

        await using var onFirst = await LiveClient.ConnectAsync(first.Address, first.Token(tenant, "viewer"));
        await using var onSecond = await LiveClient.ConnectAsync(second.Address, second.Token(tenant, "viewer"));
        var query = new { from = "2025-03-01", to = "2025-03-01", groupBy = new[] { "ejecutivo" } };
        var a = await onFirst.SubscribeAsync(query);
        var b = await onSecond.SubscribeAsync(query);
        Assert.Empty((await onFirst.NextAsync(a)).Rows);
        Assert.Empty((await onSecond.NextAsync(b)).Rows);

        var push = await Http.Push(first.Client(tenant, "admin"), tenant, Http.Body(Rows.Csv([Rows.Gestion(tenant, "2025-03-01 10:00:00", "1", "AMBOS", "Contacto Directo", "5.00", "1")]), "text/csv"));
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);

        foreach (var (client, id) in new[] { (onFirst, a), (onSecond, b) })
        {
            var update = await client.NextAsync(id);
            Assert.Equal(("update", 2L), (update.Kind, update.Version));
            var row = Assert.Single(update.Rows);
            Assert.Equal("AMBOS", row.GetProperty("ejecutivo").GetString());
            Assert.Equal(1, row.GetProperty("total_gestiones").GetInt64());
        }
    }
}
