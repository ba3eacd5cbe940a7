using System.Net;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Snapshots;

/// <summary>An unchanged snapshot is answered from what was kept; a push shows in the next answer all the same.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RepeatedSnapshotTests(GatewayFactory factory)
{
    [Fact]
    public async Task RepeatedSnapshotIsTheSameBodyUntilAPushChangesIt()
    {
        var tenant = await factory.NewTenantAsync("repeat");
        using var admin = factory.Client(tenant);
        using var viewer = factory.Client(tenant, "viewer");
        await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv")));
        const string Range = "from=2025-03-01&to=2025-03-02";

        var byEjecutivo = await Body(viewer, tenant, $"{Range}&groupBy=ejecutivo,dia");
        var oneDay = await Body(viewer, tenant, "from=2025-03-01&to=2025-03-01&groupBy=ejecutivo");
        Assert.Equal(byEjecutivo, await Body(viewer, tenant, $"{Range}&groupBy=ejecutivo,dia"));
        Assert.Equal(oneDay, await Body(viewer, tenant, "from=2025-03-01&to=2025-03-01&groupBy=ejecutivo"));

        // Another tenant asking the same question gets its own snapshot, not the first tenant's body.
        var other = await factory.NewTenantAsync("repeat");
        using var otherViewer = factory.Client(other, "viewer");
        var empty = await Body(otherViewer, other, $"{Range}&groupBy=ejecutivo,dia");
        Assert.Contains($"\"tenant\":\"{other}\"", empty, StringComparison.Ordinal);
        Assert.Contains("\"rows\":[]", empty, StringComparison.Ordinal);

        await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv([Rows.Gestion(tenant, "2025-03-01 18:00:00", "900", "EJ09", "NO CONTESTA", "1", "1")]), "text/csv")));

        var after = await Body(viewer, tenant, $"{Range}&groupBy=ejecutivo,dia");
        Assert.NotEqual(byEjecutivo, after);
        using var json = JsonDocument.Parse(after);
        Assert.Contains(json.RootElement.GetProperty("rows").EnumerateArray(), r => r.GetProperty("ejecutivo").GetString() == "EJ09");
        Assert.Equal(
            JsonDocument.Parse(byEjecutivo).RootElement.GetProperty("version").GetInt64() + 1,
            json.RootElement.GetProperty("version").GetInt64());
        Assert.Contains("EJ09", await Body(viewer, tenant, "from=2025-03-01&to=2025-03-01&groupBy=ejecutivo"), StringComparison.Ordinal);
        Assert.Equal(Rows.Sample(tenant).Count + 1, await Http.Total(admin, tenant));
    }

    private static async Task<string> Body(HttpClient client, string tenant, string query)
    {
        var response = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return text;
    }
}
