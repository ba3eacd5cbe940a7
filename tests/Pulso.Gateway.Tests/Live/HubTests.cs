using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Live;

/// <summary>The SignalR hub of DESIGN 5 through a real client over WebSockets (issue 5 item 4).</summary>
[Collection(LiveCollection.Name)]
public sealed class HubTests(LiveFactory factory)
{
    private const string From = "2025-03-01";
    private const string To = "2025-03-02";

    [Fact]
    public async Task ASubscriptionGetsTheSnapshotThenOnlyChangedRowsWithVersionsOneApart()
    {
        var tenant = await factory.NewTenantAsync("live");
        var admin = factory.Client(tenant, "admin");
        await Push(admin, tenant, Rows.Sample(tenant));
        await using var live = await LiveClient.ConnectAsync(factory.Address, factory.Token(tenant, "viewer"));

        var id = await live.SubscribeAsync(new { from = From, to = To, groupBy = new[] { "ejecutivo" } });

        var snapshot = await live.NextAsync(id);
        Assert.Equal(("snapshot", 1L), (snapshot.Kind, snapshot.Version));
        Assert.Equal(await Rest(admin, tenant), Texts(snapshot.Rows));

        var version = 1L;
        for (var round = 1; round <= 3; round++)
        {
            var before = await Rest(admin, tenant);
            await Push(admin, tenant, [Rows.Gestion(tenant, "2025-03-02 10:00:00", $"90{round}", "EJ01", "Contacto Directo", "1.00", "1"), Rows.Gestion(tenant, "2025-03-02 11:00:00", "1", $"NUEVO{round}", "NO CONTESTA", "2.50", "0")]);
            var update = await live.NextAsync(id);
            Assert.Equal(("update", ++version), (update.Kind, update.Version));
            var after = await Rest(admin, tenant);
            Assert.Equal(after.Except(before).Order(StringComparer.Ordinal), Texts(update.Rows).Order(StringComparer.Ordinal));
            Assert.Equal(["EJ01", $"NUEVO{round}"], update.Rows.Select(r => r.GetProperty("ejecutivo").GetString()).Order(StringComparer.Ordinal));
            Assert.Empty(update.Removed);
        }

        Assert.Empty(live.Pending(id));
    }

    [Fact]
    public async Task AnotherTenantsCredentialsNeverReachThisTenantsRows()
    {
        var owner = await factory.NewTenantAsync("live-owner");
        var stranger = await factory.NewTenantAsync("live-stranger");
        await using var spy = await LiveClient.ConnectAsync(factory.Address, factory.Token(stranger, "admin"));

        var refused = await Assert.ThrowsAsync<HubException>(() => spy.SubscribeAsync(new { tenant = owner, from = From, to = To, groupBy = new[] { "ejecutivo" } }));
        Assert.Contains($"no tenant '{owner}'", refused.Message, StringComparison.Ordinal);

        var own = await spy.SubscribeAsync(new { from = From, to = To, groupBy = new[] { "ejecutivo" } });
        Assert.Empty((await spy.NextAsync(own)).Rows);
        await Push(factory.Client(owner, "admin"), owner, [Rows.Gestion(owner, "2025-03-01 09:00:00", "7", "SECRETO", "Contacto Directo", "99.00", "3")]);
        await Push(factory.Client(stranger, "admin"), stranger, [Rows.Gestion(stranger, "2025-03-01 09:00:00", "8", "PROPIO", "Contacto Directo", "1.00", "3")]);

        var update = await spy.NextAsync(own);
        Assert.Equal(["PROPIO"], update.Rows.Select(r => r.GetProperty("ejecutivo").GetString()));
        Assert.DoesNotContain(live(spy, own), m => m.Rows.Any(r => r.GetRawText().Contains("SECRETO", StringComparison.Ordinal)));

        // Without credentials there is no connection at all.
        await Assert.ThrowsAnyAsync<Exception>(() => LiveClient.ConnectAsync(factory.Address, token: null));

        static List<LiveMessage> live(LiveClient client, string id) => client.Pending(id);
    }

    [Fact]
    public async Task AHomologationChangeSendsAFreshSnapshotToOpenSubscriptions()
    {
        var tenant = await factory.NewTenantAsync("live-homologation");
        var admin = factory.Client(tenant, "admin");
        await Push(admin, tenant, Rows.Sample(tenant));
        await using var live = await LiveClient.ConnectAsync(factory.Address, factory.Token(tenant, "analyst"));
        var id = await live.SubscribeAsync(new { from = From, to = To, groupBy = new[] { "categoria" }, metrics = new[] { "total_gestiones", "contactos" } });
        var first = await live.NextAsync(id);
        Assert.All(first.Rows, r => Assert.Equal("SIN_HOMOLOGAR", r.GetProperty("categoria").GetString()));

        var rules = Http.Body("tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\n", "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", rules)).StatusCode);

        var fresh = await live.NextAsync(id);
        Assert.Equal(("snapshot", 2L), (fresh.Kind, fresh.Version));
        var directo = Assert.Single(fresh.Rows, r => r.GetProperty("categoria").GetString() == "CONTACTO_DIRECTO");
        Assert.Equal(2, directo.GetProperty("contactos").GetInt64());
        Assert.Equal(await Rest(admin, tenant, "categoria", "total_gestiones,contactos"), Texts(fresh.Rows));
    }

    [Fact]
    public async Task AReconnectingClientSubscribesAgainAndGetsASnapshotOfNow()
    {
        var tenant = await factory.NewTenantAsync("live-reconnect");
        var admin = factory.Client(tenant, "admin");
        var token = factory.Token(tenant, "viewer");
        var query = new { from = From, to = To, groupBy = new[] { "ejecutivo" } };
        await using (var first = await LiveClient.ConnectAsync(factory.Address, token))
        {
            var id = await first.SubscribeAsync(query);
            Assert.Equal(1, (await first.NextAsync(id)).Version);
        }

        await Push(admin, tenant, Rows.Sample(tenant));
        await using var second = await LiveClient.ConnectAsync(factory.Address, token);
        var again = await second.SubscribeAsync(query);
        var snapshot = await second.NextAsync(again);
        Assert.Equal(("snapshot", 1L), (snapshot.Kind, snapshot.Version));
        Assert.Equal(await Rest(admin, tenant), Texts(snapshot.Rows));
    }

    [Fact]
    public async Task BadQueriesAreRefusedNamingTheProblem()
    {
        var tenant = await factory.NewTenantAsync("live-bad");
        await using var live = await LiveClient.ConnectAsync(factory.Address, factory.Token(tenant, "viewer"));

        Assert.Contains("from is required", (await Assert.ThrowsAsync<HubException>(() => live.SubscribeAsync(new { to = To }))).Message, StringComparison.Ordinal);
        Assert.Contains("is after to", (await Assert.ThrowsAsync<HubException>(() => live.SubscribeAsync(new { from = To, to = From }))).Message, StringComparison.Ordinal);
        Assert.Contains("nope", (await Assert.ThrowsAsync<HubException>(() => live.SubscribeAsync(new { from = From, to = To, groupBy = new[] { "nope" } }))).Message, StringComparison.Ordinal);
        Assert.Contains("MaxRangeDays", (await Assert.ThrowsAsync<HubException>(() => live.SubscribeAsync(new { from = "2020-01-01", to = To }))).Message, StringComparison.Ordinal);
        Assert.Contains("array of strings", (await Assert.ThrowsAsync<HubException>(() => live.SubscribeAsync(new { from = From, to = To, metrics = "total_gestiones" }))).Message, StringComparison.Ordinal);
        Assert.False(await live.Connection.InvokeAsync<bool>("Unsubscribe", "not-a-subscription"));
    }

    [Fact]
    public async Task TokensSentInTheQueryStringNeverReachTheLogs()
    {
        var tenant = await factory.NewTenantAsync("live-logs");
        var token = factory.Token(tenant, "viewer");
        await using (var live = await LiveClient.ConnectAsync(factory.Address, token))
        {
            var id = await live.SubscribeAsync(new { from = From, to = To });
            await live.NextAsync(id);
        }

        Assert.NotEmpty(factory.Logs);
        Assert.DoesNotContain(factory.Logs, line => line.Contains(token, StringComparison.Ordinal));
    }

    private static async Task Push(HttpClient admin, string tenant, IEnumerable<string[]> rows)
    {
        var answer = await Http.Push(admin, tenant, Http.Body(Rows.Csv(rows), "text/csv"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>The REST JSON snapshot's rows, each as its JSON text: what the hub's rows must equal.</summary>
    private static async Task<List<string>> Rest(HttpClient client, string tenant, string groupBy = "ejecutivo", string? metrics = null)
    {
        var url = $"/api/v1/tenants/{tenant}/metrics?from={From}&to={To}&groupBy={groupBy}" + (metrics is null ? string.Empty : $"&metrics={metrics}");
        using var json = JsonDocument.Parse(await client.GetStringAsync(url));
        return Texts(json.RootElement.GetProperty("rows").EnumerateArray());
    }

    private static List<string> Texts(IEnumerable<JsonElement> rows) => [.. rows.Select(r => JsonSerializer.Serialize(r))];
}
