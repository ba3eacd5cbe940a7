using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Admin;

/// <summary>Tenant settings, homologation, API keys and rejects through the REST API, with DESIGN 5's roles.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TenantAdminTests(GatewayFactory factory)
{
    [Fact]
    public async Task OperatorCreatesListsAndDeletesTenantsOthersMayNot()
    {
        var op = factory.Client("anything", "operator");
        var tenant = $"adm-{Guid.NewGuid():N}"[..20];
        var created = await op.PostAsJsonAsync("/api/v1/tenants", new { tenant, displayName = "Banco X", timeZone = "America/Bogota", retentionDays = 120 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync("/api/v1/tenants", new { tenant })).StatusCode);

        var list = await op.GetFromJsonAsync<JsonElement>("/api/v1/tenants");
        Assert.Contains(list.GetProperty("tenants").EnumerateArray(), t => t.GetString() == tenant);

        var admin = factory.Client(tenant, "admin");
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/api/v1/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.DeleteAsync($"/api/v1/tenants/{tenant}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsJsonAsync("/api/v1/tenants", new { tenant = "otro-nuevo" })).StatusCode);

        var settings = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}");
        Assert.Equal("America/Bogota", settings.GetProperty("settings").GetProperty("timeZone").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await op.DeleteAsync($"/api/v1/tenants/{tenant}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/api/v1/tenants/{tenant}")).StatusCode);
    }

    [Fact]
    public async Task CreatingATenantWithBadSettingsIsRefusedNamingTheField()
    {
        var op = factory.Client("anything", "operator");
        await Http.Problem(await op.PostAsJsonAsync("/api/v1/tenants", new { tenant = "Bad Id" }), HttpStatusCode.BadRequest, "not a valid id");
        await Http.Problem(await op.PostAsJsonAsync("/api/v1/tenants", new { tenant = "tz-malo", timeZone = "Mars/Base" }), HttpStatusCode.BadRequest, "timeZone");
        await Http.Problem(await op.PostAsync("/api/v1/tenants", Http.Body("{not json", "application/json")), HttpStatusCode.BadRequest, "not valid JSON");
    }

    [Fact]
    public async Task SettingsWithTenantMetricsAreValidatedAndUsableByName()
    {
        var tenant = await factory.NewTenantAsync("metricas");
        var admin = factory.Client(tenant);
        var bad = await admin.PutAsync($"/api/v1/tenants/{tenant}", Http.Body(
            """{"displayName":"X","timeZone":"America/Lima","retentionDays":30,"metrics":[{"name":"total_gestiones","kind":"count"}]}""", "application/json"));
        await Http.Problem(bad, HttpStatusCode.BadRequest, "clashes with the built-in");

        var cycle = await admin.PutAsync($"/api/v1/tenants/{tenant}", Http.Body(
            """{"displayName":"X","timeZone":"America/Lima","retentionDays":30,"metrics":[{"name":"a","kind":"ratio","numerator":"b","denominator":"contactos"},{"name":"b","kind":"per_hour","metric":"a"}]}""", "application/json"));
        await Http.Problem(cycle, HttpStatusCode.BadRequest, "cycle");

        var good = await admin.PutAsync($"/api/v1/tenants/{tenant}", Http.Body(
            """{"displayName":"X","timeZone":"America/Lima","retentionDays":30,"metrics":[{"name":"llamadas","kind":"count","where":{"canal":["LLAMADA"]}}]}""", "application/json"));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"))).StatusCode);
        var rows = await (await admin.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-02&groupBy=&metrics=llamadas,total_gestiones"))
            .Content.ReadFromJsonAsync<JsonElement>();
        var row = rows.GetProperty("rows")[0];
        Assert.Equal(2, row.GetProperty("llamadas").GetInt64());
        Assert.Equal(6, row.GetProperty("total_gestiones").GetInt64());

        var viewer = factory.Client(tenant, "viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsync($"/api/v1/tenants/{tenant}", Http.Body("{}", "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/tenants/{tenant}")).StatusCode);
    }

    [Fact]
    public async Task HomologationPutChangesFiguresAtOnceAndListsWhatIsUnmapped()
    {
        var tenant = await factory.NewTenantAsync("homolog");
        var admin = factory.Client(tenant);
        Assert.Equal(HttpStatusCode.OK, (await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"))).StatusCode);

        var put = await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            "tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\nPromesa de pago,PROMESA_PAGO,true,true\n", "text/csv"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var csv = await Http.SnapshotCsv(admin, tenant, "2025-03-01", "2025-03-02", groupBy: "categoria");
        Assert.Contains("CONTACTO_DIRECTO,2,2,0,", csv, StringComparison.Ordinal);
        Assert.Contains("PROMESA_PAGO,1,1,1,", csv, StringComparison.Ordinal);

        // JSON replaces it whole: the promise is unmapped again at once.
        var json = await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            """[{"tipificacion":"contacto directo","categoria":"CONTACTO_DIRECTO","es_contacto":true,"es_compromiso":false}]""", "application/json"));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        csv = await Http.SnapshotCsv(admin, tenant, "2025-03-01", "2025-03-02", groupBy: "categoria");
        Assert.DoesNotContain("PROMESA_PAGO", csv, StringComparison.Ordinal);

        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            "tipificacion,categoria,es_contacto,es_compromiso,cliente\nX,NO_CONTACTO,false,false,otro-cliente\n", "text/csv")), HttpStatusCode.UnprocessableEntity, "otro-cliente");
        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            "tipificacion,categoria,es_contacto,es_compromiso\nX,no snake,false,false\n", "text/csv")), HttpStatusCode.BadRequest, "UPPER_SNAKE");
        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            "tipificacion,categoria,es_contacto,es_compromiso\nX,NO_CONTACTO,maybe,false\n", "text/csv")), HttpStatusCode.BadRequest, "es_contacto");

        var viewer = factory.Client(tenant, "viewer");
        var got = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/homologation?days=400");
        Assert.Single(got.GetProperty("rules").EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body("[]", "application/json"))).StatusCode);
    }

    [Fact]
    public async Task ApiKeysAreShownOnceWorkWithTheirRoleAndStopWhenRevoked()
    {
        var tenant = await factory.NewTenantAsync("llaves");
        var admin = factory.Client(tenant);
        var created = await (await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name = "cargador", role = "admin" })).Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;

        var listed = await (await admin.GetAsync($"/api/v1/tenants/{tenant}/apikeys")).Content.ReadAsStringAsync();
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Split('.')[3], listed, StringComparison.Ordinal);

        var machine = factory.Anonymous();
        machine.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await Http.Push(machine, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await machine.GetAsync("/api/v1/tenants/otro-tenant/metrics?from=2025-03-01&to=2025-03-01")).StatusCode);

        var forged = factory.Anonymous();
        forged.DefaultRequestHeaders.Add("X-Api-Key", key[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-01")).StatusCode);

        var viewerKey = await (await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name = "tablero", role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>();
        var dashboard = factory.Anonymous();
        dashboard.DefaultRequestHeaders.Add("X-Api-Key", viewerKey.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.Push(dashboard, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"))).StatusCode);

        await Http.Problem(await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name = "x", role = "operator" }), HttpStatusCode.BadRequest, "role");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tenants/{tenant}/apikeys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/tenants/{tenant}/apikeys/{id}")).StatusCode);
    }

    [Fact]
    public async Task RejectsAreReadByAnalystsNotViewers()
    {
        var tenant = await factory.NewTenantAsync("rechazos");
        var admin = factory.Client(tenant);
        var rows = Rows.Sample(tenant);
        rows.Add(Rows.Gestion(tenant, "2025-02-30 10:00:00", "500", "EJ09", "NO CONTESTA", "1", "1"));
        Assert.Equal(HttpStatusCode.OK, (await Http.Push(admin, tenant, Http.Body(Rows.Csv(rows), "text/csv"))).StatusCode);

        var analyst = factory.Client(tenant, "analyst");
        var rejects = await analyst.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/rejects");
        var reject = Assert.Single(rejects.GetProperty("rejects").EnumerateArray());
        Assert.Equal("fecha_invalida", reject.GetProperty("reason").GetString());
        Assert.Equal("500", reject.GetProperty("fields").GetProperty("documento").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(tenant, "viewer").GetAsync($"/api/v1/tenants/{tenant}/rejects")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client("otro-tenant", "analyst").GetAsync($"/api/v1/tenants/{tenant}/rejects")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Anonymous().GetAsync($"/api/v1/tenants/{tenant}/rejects")).StatusCode);
    }
}
