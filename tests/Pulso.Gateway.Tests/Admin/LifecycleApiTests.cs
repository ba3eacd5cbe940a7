using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Admin;

/// <summary>The audit log of admin actions and tenant deletion through the REST API (issue 4 item 4).</summary>
[Collection(GatewayCollection.Name)]
public sealed class LifecycleApiTests(GatewayFactory factory)
{
    [Fact]
    public async Task AdminActionsAreAuditedAndOnlyTheTenantsAdminsReadTheLog()
    {
        var tenant = await factory.NewTenantAsync("audit");
        var other = await factory.NewTenantAsync("audit-other");
        var admin = factory.Client(tenant, "admin");
        var rules = Http.Body("tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\n", "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", rules)).StatusCode);
        var key = await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name = "pusher", role = "admin" });
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        var viewerPut = await factory.Client(tenant, "viewer").PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body("tipificacion,categoria,es_contacto,es_compromiso\n", "text/csv"));
        Assert.Equal(HttpStatusCode.Forbidden, viewerPut.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client(other, "admin").PutAsync($"/api/v1/tenants/{tenant}/homologation", rules)).StatusCode);

        var log = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/audit");
        var entries = log.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal(("viewer", "PUT homologation", 403), Describe(entries[0]));
        Assert.Equal(("admin", "POST apikeys", 201), Describe(entries[1]));
        Assert.Equal(("admin", "PUT homologation", 200), Describe(entries[2]));
        Assert.Equal($"admin@{tenant}", entries[2].GetProperty("actor").GetString());
        Assert.Equal($"/api/v1/tenants/{tenant}/homologation", entries[2].GetProperty("target").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(tenant, "analyst").GetAsync($"/api/v1/tenants/{tenant}/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client(other, "admin").GetAsync($"/api/v1/tenants/{tenant}/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Client("anything", "operator").GetAsync($"/api/v1/tenants/{tenant}/audit?limit=1")).StatusCode);
        var otherLog = await factory.Client(other, "admin").GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{other}/audit");
        Assert.Empty(otherLog.GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task DeletingATenantRemovesItsFiguresAndItsIdStartsFromNothing()
    {
        var tenant = await factory.NewTenantAsync("delete");
        var admin = factory.Client(tenant, "admin");
        Assert.Equal(6, (await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv")))).Accepted);
        Assert.Equal(6, await Http.Total(admin, tenant));
        var op = factory.Client("anything", "operator");

        Assert.Equal(HttpStatusCode.NoContent, (await op.DeleteAsync($"/api/v1/tenants/{tenant}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-02")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.DeleteAsync($"/api/v1/tenants/{tenant}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await op.PostAsJsonAsync("/api/v1/tenants", new { tenant })).StatusCode);
        Assert.Equal(0, await Http.Total(admin, tenant));
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/audit")).GetProperty("entries").EnumerateArray());
    }

    private static (string Role, string Action, int Status) Describe(JsonElement entry) =>
        (entry.GetProperty("role").GetString()!, entry.GetProperty("action").GetString()!, entry.GetProperty("status").GetInt32());
}
