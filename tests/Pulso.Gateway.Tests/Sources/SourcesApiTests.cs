using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Sources;

/// <summary>The sources API (DESIGN 6 through DESIGN 5's rules): configure, read, sync, status, delete; secrets never answered.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SourcesApiTests(GatewayFactory factory)
{
    private const string Header = "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal";

    [Fact]
    public async Task AdminConfiguresSyncsReadsAndDeletesAFileSource()
    {
        var tenant = await factory.NewTenantAsync("fuentes");
        var folder = Directory.CreateTempSubdirectory("pulso-api-source-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "1.csv"), $"{Header}\n1,{tenant},2025-03-03 10:00:00,D1,EJ1,NO CONTESTA,10.50,3,SMS\n2,{tenant},2025-03-03 11:00:00,,EJ1,NO CONTESTA,1.00,3,SMS\n");
            var admin = factory.Client(tenant);
            var put = await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/sources/entrada", new { kind = "file", location = folder, pollIntervalSeconds = 3600, enabled = false });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);

            var synced = await (await admin.PostAsync($"/api/v1/tenants/{tenant}/sources/entrada/sync", null)).Content.ReadFromJsonAsync<JsonElement>();
            var status = synced.GetProperty("status");
            Assert.Equal(2, status.GetProperty("rows").GetInt64());
            Assert.Equal(1, status.GetProperty("accepted").GetInt64());
            Assert.Equal(1, status.GetProperty("rejected").GetProperty("documento_vacio").GetInt64());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("lastError").ValueKind);
            Assert.Equal(1, await Http.Total(admin, tenant));

            var viewer = factory.Client(tenant, "viewer");
            var got = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sources/entrada");
            Assert.Equal("file", got.GetProperty("source").GetProperty("kind").GetString());
            Assert.False(got.GetProperty("source").GetProperty("enabled").GetBoolean());
            Assert.Equal(2, (await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sources/entrada/status")).GetProperty("status").GetProperty("rows").GetInt64());
            var list = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sources");
            Assert.Equal("entrada", Assert.Single(list.GetProperty("sources").EnumerateArray()).GetProperty("name").GetString());

            var rejects = await factory.Client(tenant, "analyst").GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/rejects");
            Assert.Contains(rejects.GetProperty("rejects").EnumerateArray(), r => r.GetProperty("source").GetString() == "source entrada" && r.GetProperty("reason").GetString() == "documento_vacio");

            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tenants/{tenant}/sources/entrada")).StatusCode);
            await Http.Problem(await admin.GetAsync($"/api/v1/tenants/{tenant}/sources/entrada"), HttpStatusCode.NotFound, "no source 'entrada'");
            await Http.Problem(await admin.PostAsync($"/api/v1/tenants/{tenant}/sources/entrada/sync", null), HttpStatusCode.NotFound, "no source 'entrada'");
            Assert.Equal(1, await Http.Total(admin, tenant));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SecretIsNeverAnsweredAndSendingTheMaskBackKeepsIt()
    {
        var tenant = await factory.NewTenantAsync("secreto");
        var admin = factory.Client(tenant);
        const string secret = "Host=127.0.0.1;Port=1;Username=u;Password=very-secret-pw;Database=d;Timeout=1";
        var body = new
        {
            kind = "postgres", secret, enabled = false,
            gestiones = new { table = "public.gestiones", watermarkColumn = "id", columns = new Dictionary<string, string> { ["gestion_id"] = "id" } },
        };
        var put = await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/sources/crm", body);
        var putText = await put.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.DoesNotContain("very-secret-pw", putText, StringComparison.Ordinal);

        var got = await admin.GetStringAsync($"/api/v1/tenants/{tenant}/sources/crm");
        Assert.DoesNotContain("very-secret-pw", got, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(got);
        var source = json.RootElement.GetProperty("source");
        Assert.Equal("********", source.GetProperty("secret").GetString());

        // The configuration as read, sent back with a change: the secret is kept (the source still tries that server).
        var again = await admin.PutAsync($"/api/v1/tenants/{tenant}/sources/crm", Http.Body(source.GetRawText().Replace("\"pageSize\":50000", "\"pageSize\":100", StringComparison.Ordinal), "application/json"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var synced = await (await admin.PostAsync($"/api/v1/tenants/{tenant}/sources/crm/sync", null)).Content.ReadAsStringAsync();
        Assert.Contains("NpgsqlException", synced, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-pw", synced, StringComparison.Ordinal);
        Assert.Contains("\"pageSize\":100", await admin.GetStringAsync($"/api/v1/tenants/{tenant}/sources/crm"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RolesTenantsAndBadBodiesGetDesignAnswers()
    {
        var tenant = await factory.NewTenantAsync("roles-fuentes");
        var other = await factory.NewTenantAsync("otro-fuentes");
        var route = $"/api/v1/tenants/{tenant}/sources/crm";
        var body = new { kind = "rest", location = "http://127.0.0.1:1/api", enabled = false, gestiones = new { path = "gestiones", watermarkColumn = "id" } };

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Anonymous().GetAsync(route)).StatusCode);
        await Http.Problem(await factory.Client(tenant, "viewer").PutAsJsonAsync(route, body), HttpStatusCode.Forbidden, "may not");
        await Http.Problem(await factory.Client(tenant, "analyst").PostAsync($"{route}/sync", null), HttpStatusCode.Forbidden, "may not");
        await Http.Problem(await factory.Client(other).PutAsJsonAsync(route, body), HttpStatusCode.NotFound, $"no tenant '{tenant}'");
        await Http.Problem(await factory.Client(other).GetAsync($"{route}/status"), HttpStatusCode.NotFound, $"no tenant '{tenant}'");
        await Http.Problem(await factory.Client(tenant).GetAsync(route), HttpStatusCode.NotFound, "no source 'crm'");

        var admin = factory.Client(tenant);
        await Http.Problem(await admin.PutAsJsonAsync(route, new { kind = "ftp" }), HttpStatusCode.BadRequest, "kind 'ftp' is not one of");
        await Http.Problem(await admin.PutAsync(route, Http.Body("{\"kind\":\"rest\",\"tabla\":1}", "application/json")), HttpStatusCode.BadRequest, "tabla");
        await Http.Problem(await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/sources/..x", body), HttpStatusCode.BadRequest, "not a valid source name");
        await Http.Problem(await admin.PutAsJsonAsync(route, new
        {
            kind = "mysql", secret = "Server=127.0.0.1;Database=d;User ID=u;Password=p",
            gestiones = new { table = "g`; DROP TABLE g; --", columns = new Dictionary<string, string> { ["fecha"] = "f) UNION SELECT" } },
        }), HttpStatusCode.BadRequest, "gestiones.table: 'g`; DROP TABLE g; --' is not a valid table name");

        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sources")).GetProperty("sources").EnumerateArray());
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync(route, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Client(tenant, "operator").PutAsJsonAsync(route, body)).StatusCode);
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/audit");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("action").GetString() == "PUT sources" && e.GetProperty("status").GetInt32() == 201);
    }

    [Fact]
    public async Task OpenApiDocumentsTheRoutesWithAnExampleForEachKind()
    {
        var text = await factory.Anonymous().GetStringAsync("/openapi/v1.json");
        using var json = JsonDocument.Parse(text);
        var paths = json.RootElement.GetProperty("paths");
        var source = paths.GetProperty("/api/v1/tenants/{tenant}/sources/{name}");
        Assert.True(source.TryGetProperty("get", out _) && source.TryGetProperty("delete", out _));
        Assert.True(paths.TryGetProperty("/api/v1/tenants/{tenant}/sources/{name}/sync", out _));
        Assert.True(paths.TryGetProperty("/api/v1/tenants/{tenant}/sources/{name}/status", out _));
        var examples = source.GetProperty("put").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("examples");
        foreach (var kind in new[] { "postgres", "mysql", "bigquery", "rest", "soap", "file" })
        {
            Assert.Equal(kind, examples.GetProperty(kind).GetProperty("value").GetProperty("kind").GetString());
        }
    }
}
