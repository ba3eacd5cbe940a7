using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;
using static Pulso.Gateway.Tests.Support.Bodies;

namespace Pulso.Gateway.Tests.BadInput;

/// <summary>
/// Bad input on every POST, PUT and DELETE route: each is refused with a 4xx problem+json whose detail names the problem,
/// echoes nothing unescaped, and leaves the tenant, a neighbouring tenant and the tenant directory as they were.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WriteRouteSweepTests(GatewayFactory factory)
{
    private const string Gestiones = "POST /api/v1/tenants/{tenant}/gestiones";
    private const string Jornadas = "POST /api/v1/tenants/{tenant}/jornadas";
    private const string Homologation = "PUT /api/v1/tenants/{tenant}/homologation";
    private const string CreateKey = "POST /api/v1/tenants/{tenant}/apikeys";
    private const string RevokeKey = "DELETE /api/v1/tenants/{tenant}/apikeys/{id}";
    private const string CreateTenant = "POST /api/v1/tenants/";
    private const string PutTenant = "PUT /api/v1/tenants/{tenant}";
    private const string DeleteTenant = "DELETE /api/v1/tenants/{tenant}";
    private const string PutAlert = "PUT /api/v1/tenants/{tenant}/alerts/{name}";
    private const string DeleteAlert = "DELETE /api/v1/tenants/{tenant}/alerts/{name}";
    private const string PutSource = "PUT /api/v1/tenants/{tenant}/sources/{name}";
    private const string DeleteSource = "DELETE /api/v1/tenants/{tenant}/sources/{name}";
    private const string SyncSource = "POST /api/v1/tenants/{tenant}/sources/{name}/sync";

    /// <summary>What every route that takes a body is swept with.</summary>
    private static readonly string[] s_bodyKinds = ["malformed JSON", "wrong JSON types", "invalid UTF-8", "50 MB streamed", "SQL-looking", "script-looking"];

    private static readonly JsonSerializerOptions s_raw = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly List<Case> s_cases = Build();

    private static readonly ConditionalWeakTable<GatewayFactory, Lazy<Task<World>>> s_worlds = [];

    public static TheoryData<string> Cases => [.. s_cases.Select(c => c.Name)];

    [Fact]
    public void EveryWriteRouteIsSwept()
    {
        var failures = new List<string>();
        foreach (var route in ApiRoutes.Versioned(factory).Where(r => r.Method is "POST" or "PUT" or "DELETE"))
        {
            var names = s_cases.Where(c => c.Route == route.Key).Select(c => c.Name).ToList();
            // Routes that read no body (DELETE, a source's sync) are swept through their path only.
            var kinds = route.Method == "DELETE" || route.Key.EndsWith("/sync", StringComparison.Ordinal) ? ["SQL-looking", "script-looking"] : s_bodyKinds;
            failures.AddRange(kinds.Where(k => !names.Any(n => n.Contains(k, StringComparison.Ordinal))).Select(k => $"{route.Key} has no '{k}' case"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputIsRefusedNamingTheProblemAndChangesNothing(string name)
    {
        var bad = s_cases.Single(c => c.Name == name);
        // One seeded world for every case: none may change it, and each compares it before and after itself.
        var world = await s_worlds.GetValue(factory, f => new Lazy<Task<World>>(() => SeedAsync(f))).Value;
        var before = await PrintAsync(world);

        using var client = bad.Route is CreateTenant or DeleteTenant ? factory.Client("operaciones", "operator") : factory.Client(world.Tenant);
        using var request = new HttpRequestMessage(new HttpMethod(bad.Route.Split(' ')[0]), bad.Path(world)) { Content = bad.Body(world) };
        using var response = await client.SendAsync(request);

        await Http.Problem(response, bad.Status, bad.Detail);
        Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var after = await PrintAsync(world);
        Assert.True(before == after, $"{name} changed something:\n{TenantPrint.Diff(before, after)}");
    }

    private static List<Case> Build()
    {
        var cases = new List<Case>();
        void Add(string route, string name, Func<World, HttpContent?> body, HttpStatusCode status, string detail, Func<World, string>? path = null) =>
            cases.Add(new Case(route, $"{route}: {name}", path ?? (w => Path(route, w.Tenant, w.KeyId)), body, status, detail));

        foreach (var route in new[] { Gestiones, Jornadas })
        {
            var isGestion = route == Gestiones;
            string Row(string cliente, string ejecutivo = "EJ01") => isGestion
                ? $"{{\"cliente\":{Quote(cliente)},\"fecha\":\"2025-03-01 08:00:00\",\"documento\":\"1\",\"ejecutivo\":{Quote(ejecutivo)},\"tipificacion\":\"X\",\"saldo\":\"1\",\"dias_mora\":\"1\",\"canal\":\"SMS\"}}"
                : $"{{\"cliente\":{Quote(cliente)},\"ejecutivo\":{Quote(ejecutivo)},\"fecha\":\"2025-03-01\",\"horas_trabajadas\":\"8\"}}";
            string CsvRows(string cliente, string ejecutivo = "EJ01") => isGestion
                ? $"cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n{cliente},2025-03-01 08:00:00,1,{ejecutivo},X,1,1,SMS\n"
                : $"cliente,ejecutivo,fecha,horas_trabajadas\n{cliente},{ejecutivo},2025-03-01,8\n";
            var typed = isGestion ? "dias_mora" : "horas_trabajadas";

            Add(route, "malformed JSON", w => Json($"[{Row(w.Tenant)},{{\"cliente\":"), HttpStatusCode.BadRequest, "not valid JSON");
            Add(route, "malformed CSV (an unclosed quote)", w => Csv(CsvRows(w.Tenant).Replace(",EJ01,", ",\"EJ01,", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "line 2");
            Add(route, "wrong JSON types (a boolean)", w => Json($"[{Row(w.Tenant).Replace($"\"{typed}\":\"", $"\"{typed}\":true,\"x\":\"", StringComparison.Ordinal)}]"),
                HttpStatusCode.BadRequest, $"field '{typed}' is a boolean");
            Add(route, "wrong JSON types (an object, not an array)", w => Json(Row(w.Tenant)), HttpStatusCode.BadRequest, "JSON array of objects");
            Add(route, "invalid UTF-8 (JSON)", w => NotUtf8($"[{Row(w.Tenant, "EJÑ")}]", "application/json"), HttpStatusCode.BadRequest, "UTF-8");
            Add(route, "invalid UTF-8 (CSV)", w => NotUtf8(CsvRows(w.Tenant, "EJÑ"), "text/csv"), HttpStatusCode.BadRequest, "UTF-8");
            // Padded rows, so that the byte limit comes before the row limit.
            Add(route, "50 MB streamed", w => Streamed50Mb("application/x-ndjson", string.Empty, $"{Row(w.Tenant)[..^1]},\"nota\":\"{new string('x', 60_000)}\"}}\n"),
                HttpStatusCode.RequestEntityTooLarge, "over the limit");
            Add(route, "foreign cliente", w => Csv(CsvRows(w.Neighbor)), HttpStatusCode.UnprocessableEntity, "cliente 'vecino-");
            Add(route, "SQL-looking cliente", _ => Json($"[{Row(Sql)}]"), HttpStatusCode.UnprocessableEntity, "is not the tenant");
            Add(route, "script-looking cliente", _ => Json($"[{Row(Script)}]"), HttpStatusCode.UnprocessableEntity, "is not the tenant");
        }

        const string RulesHeader = "tipificacion,categoria,es_contacto,es_compromiso";
        Add(Homologation, "malformed JSON", _ => Json("[{\"tipificacion\":\"X\","), HttpStatusCode.BadRequest, "JSON");
        Add(Homologation, "malformed CSV (an unclosed quote)", _ => Csv($"{RulesHeader}\n\"X,NO_CONTACTO,false,false\n"), HttpStatusCode.BadRequest, "line 2");
        Add(Homologation, "malformed CSV (a missing column)", _ => Csv("tipificacion,categoria,es_contacto\nX,NO_CONTACTO,false\n"), HttpStatusCode.BadRequest, "es_compromiso");
        Add(Homologation, "wrong JSON types (a string for a flag)", _ => Json("[{\"tipificacion\":\"X\",\"categoria\":\"NO_CONTACTO\",\"es_contacto\":\"yes\",\"es_compromiso\":false}]"),
            HttpStatusCode.BadRequest, "es_contacto");
        Add(Homologation, "wrong JSON types (an object, not an array)", _ => Json("{\"tipificacion\":\"X\",\"categoria\":\"NO_CONTACTO\",\"es_contacto\":true,\"es_compromiso\":false}"),
            HttpStatusCode.BadRequest, "array");
        Add(Homologation, "invalid UTF-8 (JSON)", _ => NotUtf8("[{\"tipificacion\":\"Ñ\",\"categoria\":\"NO_CONTACTO\",\"es_contacto\":true,\"es_compromiso\":false}]", "application/json"),
            HttpStatusCode.BadRequest, "UTF-8");
        Add(Homologation, "invalid UTF-8 (CSV)", _ => NotUtf8($"{RulesHeader}\nÑ,NO_CONTACTO,false,false\n", "text/csv"), HttpStatusCode.BadRequest, "UTF-8");
        Add(Homologation, "50 MB streamed (CSV)", _ => Streamed50Mb("text/csv", RulesHeader + "\n", "X,NO_CONTACTO,false,false\n"), HttpStatusCode.RequestEntityTooLarge, "over the limit");
        Add(Homologation, "50 MB streamed (JSON)", _ => Streamed50Mb("application/json", "[", "{\"tipificacion\":\"X\",\"categoria\":\"NO_CONTACTO\",\"es_contacto\":true,\"es_compromiso\":false},"),
            HttpStatusCode.RequestEntityTooLarge, "over the limit");
        Add(Homologation, "foreign cliente", w => Csv($"{RulesHeader},cliente\nX,NO_CONTACTO,false,false,{w.Neighbor}\n"), HttpStatusCode.UnprocessableEntity, "cliente 'vecino-");
        Add(Homologation, "SQL-looking categoria", _ => Csv($"{RulesHeader}\nX,\"{Sql}\",false,false\n"), HttpStatusCode.BadRequest, "categoria");
        Add(Homologation, "script-looking categoria", _ => Json($"[{{\"tipificacion\":\"X\",\"categoria\":{Quote(Script)},\"es_contacto\":true,\"es_compromiso\":false}}]"),
            HttpStatusCode.BadRequest, "categoria");

        Add(CreateKey, "malformed JSON", _ => Json("{\"name\":\"x\","), HttpStatusCode.BadRequest, "JSON");
        Add(CreateKey, "wrong JSON types (a number for the name)", _ => Json("{\"name\":5,\"role\":\"viewer\"}"), HttpStatusCode.BadRequest, "name");
        Add(CreateKey, "invalid UTF-8", _ => NotUtf8("{\"name\":\"llaveÑ\",\"role\":\"viewer\"}", "application/json"), HttpStatusCode.BadRequest, "UTF-8");
        Add(CreateKey, "50 MB streamed", _ => Streamed50Mb("application/json", "{\"name\":\"", "x"), HttpStatusCode.RequestEntityTooLarge, "over the limit");
        Add(CreateKey, "SQL-looking role", _ => Json($"{{\"name\":\"x\",\"role\":{Quote(Sql)}}}"), HttpStatusCode.BadRequest, "role");
        Add(CreateKey, "script-looking role", _ => Json($"{{\"name\":\"x\",\"role\":{Quote(Script)}}}"), HttpStatusCode.BadRequest, "role");

        Add(RevokeKey, "SQL-looking id", _ => null, HttpStatusCode.NotFound, "no API key", w => Path(RevokeKey, w.Tenant, Sql));
        Add(RevokeKey, "script-looking id", _ => null, HttpStatusCode.NotFound, "no API key", w => Path(RevokeKey, w.Tenant, Script));
        Add(RevokeKey, "the other tenant's key id", _ => null, HttpStatusCode.NotFound, "no API key", w => Path(RevokeKey, w.Tenant, w.NeighborKeyId));

        Add(CreateTenant, "malformed JSON", _ => Json("{\"tenant\":"), HttpStatusCode.BadRequest, "not valid JSON");
        Add(CreateTenant, "wrong JSON types (a number for the id)", _ => Json("{\"tenant\":5}"), HttpStatusCode.BadRequest, "'tenant'");
        Add(CreateTenant, "wrong JSON types (a string for retentionDays)", _ => Json("{\"tenant\":\"nuevo-tipos\",\"retentionDays\":\"many\"}"), HttpStatusCode.BadRequest, "retentionDays");
        Add(CreateTenant, "invalid UTF-8", _ => NotUtf8("{\"tenant\":\"nuevo-utf\",\"displayName\":\"Ñ\"}", "application/json"), HttpStatusCode.BadRequest, "UTF-8");
        Add(CreateTenant, "50 MB streamed", _ => Streamed50Mb("application/json", "{\"tenant\":\"nuevo-grande\",\"displayName\":\"", "x"), HttpStatusCode.RequestEntityTooLarge, "over the limit");
        Add(CreateTenant, "SQL-looking id", _ => Json($"{{\"tenant\":{Quote(Sql)}}}"), HttpStatusCode.BadRequest, "not a valid id");
        Add(CreateTenant, "script-looking id", _ => Json($"{{\"tenant\":{Quote(Script)}}}"), HttpStatusCode.BadRequest, "not a valid id");

        const string Rule = "\"metric\":\"tasa_contactabilidad\",\"scope\":\"tenant\",\"comparator\":\"lt\",\"threshold\":\"0.2\",\"window\":\"today\","
            + "\"minGestiones\":10,\"cooldownMinutes\":30,\"channels\":[{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/hook\",\"secret\":\"s3cr3t-s3cr3t-s3cr3t\"}]";
        string AlertPath(World w, string name) => Path(PutAlert, w.Tenant, string.Empty).Replace("{name}", Uri.EscapeDataString(name), StringComparison.Ordinal);
        Add(PutAlert, "malformed JSON", _ => Json($"{{{Rule},"), HttpStatusCode.BadRequest, "not valid JSON", w => AlertPath(w, "regla"));
        Add(PutAlert, "wrong JSON types (a string for minGestiones)", _ => Json($"{{{Rule.Replace("\"minGestiones\":10", "\"minGestiones\":\"many\"", StringComparison.Ordinal)}}}"),
            HttpStatusCode.BadRequest, "minGestiones", w => AlertPath(w, "regla"));
        Add(PutAlert, "invalid UTF-8", _ => NotUtf8($"{{{Rule.Replace("\"lt\"", "\"ltÑ\"", StringComparison.Ordinal)}}}", "application/json"), HttpStatusCode.BadRequest, "UTF-8", w => AlertPath(w, "regla"));
        Add(PutAlert, "50 MB streamed", _ => Streamed50Mb("application/json", "{\"metric\":\"", "x"), HttpStatusCode.RequestEntityTooLarge, "bytes", w => AlertPath(w, "regla"));
        Add(PutAlert, "SQL-looking metric", _ => Json($"{{{Rule.Replace("\"tasa_contactabilidad\"", Quote(Sql), StringComparison.Ordinal)}}}"), HttpStatusCode.BadRequest, "metric", w => AlertPath(w, "regla"));
        Add(PutAlert, "script-looking name", _ => Json($"{{{Rule}}}"), HttpStatusCode.BadRequest, "name", w => AlertPath(w, Script));
        Add(DeleteAlert, "SQL-looking name", _ => null, HttpStatusCode.NotFound, "no alert rule", w => AlertPath(w, Sql));
        Add(DeleteAlert, "script-looking name", _ => null, HttpStatusCode.NotFound, "no alert rule", w => AlertPath(w, Script));

        const string Source = "\"kind\":\"rest\",\"location\":\"http://127.0.0.1:1/api\",\"enabled\":false,\"gestiones\":{\"path\":\"gestiones\",\"watermarkColumn\":\"id\"}";
        string SourcePath(World w, string name, string route = PutSource) =>
            Path(route, w.Tenant, string.Empty).Replace("{name}", Uri.EscapeDataString(name), StringComparison.Ordinal);
        Add(PutSource, "malformed JSON", _ => Json($"{{{Source},"), HttpStatusCode.BadRequest, "not a valid source", w => SourcePath(w, "crm"));
        Add(PutSource, "wrong JSON types (a number for kind)", _ => Json("{\"kind\":5}"), HttpStatusCode.BadRequest, "kind", w => SourcePath(w, "crm"));
        Add(PutSource, "invalid UTF-8", _ => NotUtf8($"{{{Source.Replace("gestiones\",", "gestionesÑ\",", StringComparison.Ordinal)}}}", "application/json"), HttpStatusCode.BadRequest, "UTF-8", w => SourcePath(w, "crm"));
        Add(PutSource, "50 MB streamed", _ => Streamed50Mb("application/json", "{\"kind\":\"", "x"), HttpStatusCode.RequestEntityTooLarge, "over the limit", w => SourcePath(w, "crm"));
        Add(PutSource, "SQL-looking table", _ => Json("{\"kind\":\"postgres\",\"secret\":\"Host=127.0.0.1;Database=d;Username=u;Password=p\",\"gestiones\":{\"table\":" + Quote(Sql) + "}}"),
            HttpStatusCode.BadRequest, "gestiones.table", w => SourcePath(w, "crm"));
        Add(PutSource, "script-looking name", _ => Json($"{{{Source}}}"), HttpStatusCode.BadRequest, "not a valid source name", w => SourcePath(w, Script));
        Add(DeleteSource, "SQL-looking name", _ => null, HttpStatusCode.BadRequest, "not a valid source name", w => SourcePath(w, Sql, DeleteSource));
        Add(DeleteSource, "script-looking name", _ => null, HttpStatusCode.BadRequest, "not a valid source name", w => SourcePath(w, Script, DeleteSource));
        Add(SyncSource, "SQL-looking name", _ => null, HttpStatusCode.BadRequest, "not a valid source name", w => SourcePath(w, Sql, SyncSource));
        Add(SyncSource, "script-looking name", _ => null, HttpStatusCode.BadRequest, "not a valid source name", w => SourcePath(w, Script, SyncSource));

        const string Settings = "\"displayName\":\"X\",\"timeZone\":\"America/Lima\",\"retentionDays\":30";
        Add(PutTenant, "malformed JSON", _ => Json("{\"displayName\":"), HttpStatusCode.BadRequest, "not valid");
        Add(PutTenant, "wrong JSON types (a string for retentionDays)", _ => Json("{\"displayName\":\"X\",\"retentionDays\":\"many\"}"), HttpStatusCode.BadRequest, "retentionDays");
        Add(PutTenant, "wrong JSON types (a string for metrics)", _ => Json($"{{{Settings},\"metrics\":\"x\"}}"), HttpStatusCode.BadRequest, "metrics");
        Add(PutTenant, "invalid UTF-8", _ => NotUtf8("{\"displayName\":\"Ñ\",\"timeZone\":\"America/Lima\",\"retentionDays\":30}", "application/json"), HttpStatusCode.BadRequest, "UTF-8");
        Add(PutTenant, "50 MB streamed", _ => Streamed50Mb("application/json", "{\"displayName\":\"", "x"), HttpStatusCode.RequestEntityTooLarge, "over the limit");
        Add(PutTenant, "SQL-looking timeZone", _ => Json($"{{\"displayName\":\"X\",\"timeZone\":{Quote(Sql)},\"retentionDays\":30}}"), HttpStatusCode.BadRequest, "timeZone");
        Add(PutTenant, "script-looking metric name", _ => Json($"{{{Settings},\"metrics\":[{{\"name\":{Quote(Script)},\"kind\":\"count\"}}]}}"), HttpStatusCode.BadRequest, "snake_case");

        Add(DeleteTenant, "SQL-looking id", _ => null, HttpStatusCode.NotFound, "no tenant", _ => Path(DeleteTenant, Sql, string.Empty));
        Add(DeleteTenant, "script-looking id", _ => null, HttpStatusCode.NotFound, "no tenant", _ => Path(DeleteTenant, Script, string.Empty));
        return cases;
    }

    private static string Path(string route, string tenant, string id) =>
        route.Split(' ')[1].TrimEnd('/').Replace("{tenant}", Uri.EscapeDataString(tenant), StringComparison.Ordinal).Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal);

    /// <summary>A JSON string with its text as it is (not \u escapes), the way most clients write it.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value, s_raw);

    private static HttpContent Json(string text) => Http.Body(text, "application/json");

    private static HttpContent Csv(string text) => Http.Body(text, "text/csv");

    /// <summary>A tenant and a neighbour, each with figures, a rejected row, hours, a homologation, a tenant metric and an API key.</summary>
    private static async Task<World> SeedAsync(GatewayFactory factory)
    {
        var tenant = await factory.NewTenantAsync("barrido");
        var neighbor = await factory.NewTenantAsync("vecino");
        var keys = new List<string>();
        foreach (var t in new[] { tenant, neighbor })
        {
            using var admin = factory.Client(t);
            var rows = Rows.Sample(t);
            rows.Add(Rows.Gestion(t, "2025-02-30 10:00:00", "500", "EJ09", "NO CONTESTA", "1", "1"));
            Assert.Equal(HttpStatusCode.OK, (await Http.Push(admin, t, Http.Body(Rows.Csv(rows), "text/csv"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Http.Push(admin, t, Http.Body($"cliente,ejecutivo,fecha,horas_trabajadas\n{t},EJ01,2025-03-01,7.5\n", "text/csv"), "jornadas")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/tenants/{t}/homologation", Csv(
                "tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\nPROMESA DE PAGO,PROMESA_PAGO,true,true\n"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/v1/tenants/{t}", Json(
                "{\"displayName\":\"Barrido\",\"timeZone\":\"America/Bogota\",\"retentionDays\":90,\"metrics\":[{\"name\":\"llamadas\",\"kind\":\"count\",\"where\":{\"canal\":[\"LLAMADA\"]}}]}"))).StatusCode);
            using var created = await admin.PostAsync($"/api/v1/tenants/{t}/apikeys", Json("{\"name\":\"cargador\",\"role\":\"admin\"}"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            keys.Add(json.RootElement.GetProperty("id").GetString()!);
        }

        return new World(tenant, keys[0], neighbor, keys[1]);
    }

    private async Task<string> PrintAsync(World world)
    {
        using var op = factory.Client("operaciones", "operator");
        var directory = await op.GetStringAsync("/api/v1/tenants");
        return await TenantPrint.OfAsync(factory, world.Tenant, "llamadas") + await TenantPrint.OfAsync(factory, world.Neighbor, "llamadas") + directory;
    }

    private sealed record World(string Tenant, string KeyId, string Neighbor, string NeighborKeyId);

    private sealed record Case(string Route, string Name, Func<World, string> Path, Func<World, HttpContent?> Body, HttpStatusCode Status, string Detail);
}
