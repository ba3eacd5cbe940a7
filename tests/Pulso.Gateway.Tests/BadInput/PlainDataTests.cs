using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;
using static Pulso.Gateway.Tests.Support.Bodies;

namespace Pulso.Gateway.Tests.BadInput;

/// <summary>
/// SQL- and script-looking values where free text is allowed are kept as plain data: read back exactly, never quoted
/// back unescaped, and no other tenant changes.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PlainDataTests(GatewayFactory factory)
{
    [Fact]
    public async Task GestionTextFieldsAreData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            var rows = new[] { Rows.Gestion(tenant, "2025-03-01 08:00:00", Sql, Sql, Script, "1", "1") };
            await AcceptedAsync(await Http.Push(admin, tenant, Http.Body(Rows.Json(rows), "application/json")));

            var row = Assert.Single(await SnapshotAsync(admin, tenant, "ejecutivo,tipificacion"));
            Assert.Equal(Sql, row.GetProperty("ejecutivo").GetString());
            Assert.Equal(Script.ToUpperInvariant(), row.GetProperty("tipificacion").GetString());
            Assert.Equal(1, row.GetProperty("deudores_unicos").GetInt64());
            var csv = await Http.SnapshotCsv(admin, tenant, "2025-03-01", "2025-03-01", "ejecutivo,tipificacion");
            Assert.Contains($"{Sql},{Script.ToUpperInvariant()},1,", csv, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task JornadaEjecutivoIsData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            await AcceptedAsync(await Http.Push(admin, tenant, Http.Body(Rows.Csv([Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", Sql, "X", "1", "1")]), "text/csv")));
            await AcceptedAsync(await Http.Push(admin, tenant, Http.Body(
                $"[{{\"cliente\":\"{tenant}\",\"ejecutivo\":{JsonSerializer.Serialize(Sql)},\"fecha\":\"2025-03-01\",\"horas_trabajadas\":\"6.5\"}}]", "application/json"), "jornadas"));

            var row = Assert.Single(await SnapshotAsync(admin, tenant, "ejecutivo"));
            Assert.Equal(Sql, row.GetProperty("ejecutivo").GetString());
            Assert.Equal("6.50", row.GetProperty("horas_trabajadas").GetString());
        });
    }

    [Fact]
    public async Task HomologationTipificacionesAreData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            var put = await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/homologation", new[]
            {
                new { tipificacion = Sql, categoria = "NO_CONTACTO", es_contacto = false, es_compromiso = false },
                new { tipificacion = Script, categoria = "VOLVER_LLAMAR", es_contacto = true, es_compromiso = false },
            });
            await SafeAsync(put, HttpStatusCode.OK);

            var got = await admin.GetAsync($"/api/v1/tenants/{tenant}/homologation");
            var rules = (await SafeAsync(got, HttpStatusCode.OK)).GetProperty("rules").EnumerateArray().ToList();
            Assert.Contains(rules, r => r.GetProperty("tipificacion").GetString() == Sql && r.GetProperty("categoria").GetString() == "NO_CONTACTO");
            Assert.Contains(rules, r => r.GetProperty("tipificacion").GetString() == Script && r.GetProperty("categoria").GetString() == "VOLVER_LLAMAR");

            await AcceptedAsync(await Http.Push(admin, tenant, Http.Body(Rows.Csv([Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", Script, "1", "1")]), "text/csv")));
            Assert.Equal("VOLVER_LLAMAR", Assert.Single(await SnapshotAsync(admin, tenant, "categoria")).GetProperty("categoria").GetString());
        });
    }

    [Fact]
    public async Task ApiKeyNameIsData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            var created = await SafeAsync(await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/apikeys", new { name = Script + Sql, role = "viewer" }), HttpStatusCode.Created);
            Assert.Equal(Script + Sql, created.GetProperty("name").GetString());

            var listed = await SafeAsync(await admin.GetAsync($"/api/v1/tenants/{tenant}/apikeys"), HttpStatusCode.OK);
            Assert.Equal(Script + Sql, Assert.Single(listed.GetProperty("keys").EnumerateArray()).GetProperty("name").GetString());
        });
    }

    [Fact]
    public async Task DisplayNamesAreData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            await SafeAsync(await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}", new { displayName = Script + Sql, timeZone = "America/Lima", retentionDays = 30 }), HttpStatusCode.OK);
            var settings = await SafeAsync(await admin.GetAsync($"/api/v1/tenants/{tenant}"), HttpStatusCode.OK);
            Assert.Equal(Script + Sql, settings.GetProperty("settings").GetProperty("displayName").GetString());

            using var op = factory.Client("operaciones", "operator");
            var created = $"{tenant}-nuevo";
            await SafeAsync(await op.PostAsJsonAsync("/api/v1/tenants", new { tenant = created, displayName = Sql + Script }), HttpStatusCode.Created);
            var other = await SafeAsync(await op.GetAsync($"/api/v1/tenants/{created}"), HttpStatusCode.OK);
            Assert.Equal(Sql + Script, other.GetProperty("settings").GetProperty("displayName").GetString());
        });
    }

    [Fact]
    public async Task SnapshotFilterValuesAreData()
    {
        await WithNeighbourUnchangedAsync(async (tenant, admin) =>
        {
            await AcceptedAsync(await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv")));
            foreach (var value in new[] { Sql, Script })
            {
                var response = await admin.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-02&groupBy=ejecutivo&filter={Uri.EscapeDataString($"ejecutivo:\"{value}\"")}");
                Assert.Empty((await SafeAsync(response, HttpStatusCode.OK)).GetProperty("rows").EnumerateArray());
            }
        });
    }

    /// <summary>Runs <paramref name="act"/> on a fresh tenant beside a seeded neighbour that must not change.</summary>
    private async Task WithNeighbourUnchangedAsync(Func<string, HttpClient, Task> act)
    {
        var neighbour = await factory.NewTenantAsync("vecino");
        using (var theirs = factory.Client(neighbour))
        {
            await AcceptedAsync(await Http.Push(theirs, neighbour, Http.Body(Rows.Csv(Rows.Sample(neighbour)), "text/csv")));
        }

        var before = await TenantPrint.OfAsync(factory, neighbour);
        var tenant = await factory.NewTenantAsync("datos");
        using var admin = factory.Client(tenant);

        await act(tenant, admin);

        var after = await TenantPrint.OfAsync(factory, neighbour);
        Assert.True(before == after, TenantPrint.Diff(before, after));
    }

    private static async Task<List<JsonElement>> SnapshotAsync(HttpClient client, string tenant, string groupBy)
    {
        var json = await SafeAsync(await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-01&groupBy={groupBy}"), HttpStatusCode.OK);
        return [.. json.GetProperty("rows").EnumerateArray()];
    }

    private static async Task AcceptedAsync(HttpResponseMessage response) => Assert.Equal(0, (await Http.Answer(response)).Rejected.Values.Sum());

    /// <summary>The answer as JSON, after checking its status and that it quotes nothing HTML could run.</summary>
    private static async Task<JsonElement> SafeAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
            using var json = JsonDocument.Parse(text);
            return json.RootElement.Clone();
        }
    }
}
