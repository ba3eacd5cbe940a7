using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;
using Pulso.Grains.Metrics;

namespace Pulso.Gateway.Tests.Snapshots;

/// <summary>
/// DESIGN 5: the Arrow snapshot is readable by the <c>apache-arrow</c> npm package. The snapshot is read by it in Node
/// (tests/js/read-arrow.mjs) and must carry DESIGN 5's types and the JSON snapshot's values exactly.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ArrowInJavaScriptTests(GatewayFactory factory)
{
    private static readonly string[] s_tenantMetrics = ["llamadas", "saldo_llamadas", "promesas_por_contacto"];

    /// <summary>Column types by name: DESIGN 5's for the dimensions and built-ins; the tenant's by their kind.</summary>
    private static readonly Dictionary<string, string> s_types = new()
    {
        ["ejecutivo"] = "utf8",
        ["dia"] = "utf8",
        ["canal"] = "utf8",
        ["categoria"] = "utf8",
        ["total_gestiones"] = "int64",
        ["contactos"] = "int64",
        ["compromisos"] = "int64",
        ["deudores_unicos"] = "int64",
        ["saldo_total"] = "decimal128(20,2)",
        ["horas_trabajadas"] = "decimal128(20,2)",
        ["tasa_contactabilidad"] = "decimal128(12,4)",
        ["pdps_por_hora"] = "decimal128(12,4)",
        ["llamadas"] = "int64",
        ["saldo_llamadas"] = "decimal128(20,2)",
        ["promesas_por_contacto"] = "decimal128(20,4)",
    };

    [Fact]
    public async Task ArrowSnapshotReadByApacheArrowJsEqualsTheJsonSnapshot()
    {
        var tenant = await SeedAsync();
        using var analyst = factory.Client(tenant, "analyst");
        var query = $"from=2025-03-01&to=2025-03-02&groupBy=ejecutivo,dia,canal,categoria&metrics={string.Join(',', MetricCatalog.BuiltinNames.Concat(s_tenantMetrics))}";

        using var jsonAnswer = await analyst.GetAsync($"/api/v1/tenants/{tenant}/metrics?{query}&format=json");
        Assert.Equal(HttpStatusCode.OK, jsonAnswer.StatusCode);
        using var json = JsonDocument.Parse(await jsonAnswer.Content.ReadAsStringAsync());
        using var arrowAnswer = await analyst.GetAsync($"/api/v1/tenants/{tenant}/metrics?{query}&format=arrow");
        Assert.Equal(HttpStatusCode.OK, arrowAnswer.StatusCode);
        Assert.Equal("application/vnd.apache.arrow.stream", arrowAnswer.Content.Headers.ContentType?.MediaType);

        using var read = await ReadWithApacheArrowAsync(await arrowAnswer.Content.ReadAsByteArrayAsync());

        var columns = json.RootElement.GetProperty("groupBy").EnumerateArray().Concat(json.RootElement.GetProperty("metrics").EnumerateArray()).Select(c => c.GetString()!).ToList();
        var schema = read.RootElement.GetProperty("schema").EnumerateArray().ToList();
        Assert.Equal(columns, schema.Select(f => f.GetProperty("name").GetString()));
        foreach (var field in schema)
        {
            var name = field.GetProperty("name").GetString()!;
            Assert.True(s_types[name] == field.GetProperty("type").GetString(), $"{name}: expected {s_types[name]}, read {field.GetProperty("type").GetString()}");
        }

        var expected = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        var actual = read.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(expected.Count >= 6, $"too few rows to show anything: {expected.Count}");
        Assert.Equal(expected.Count, actual.Count);
        for (var r = 0; r < expected.Count; r++)
        {
            foreach (var column in columns)
            {
                Assert.True(Text(expected[r].GetProperty(column)) == Text(actual[r].GetProperty(column)),
                    $"row {r}, {column}: JSON {expected[r].GetProperty(column).GetRawText()}, Arrow in JS {actual[r].GetProperty(column).GetRawText()}");
            }
        }

        // The rows hold what the comparison must cover: negative money, nulls beside values, and rates.
        var values = actual.SelectMany(r => columns.Select(c => (Column: c, Value: Text(r.GetProperty(c))))).ToList();
        Assert.Contains(values, v => v.Column == "saldo_total" && v.Value == "-20.00");
        Assert.Contains(values, v => v.Column == "horas_trabajadas" && v.Value is null);
        Assert.Contains(values, v => v.Column == "horas_trabajadas" && v.Value == "7.50");
        Assert.Contains(values, v => v.Column == "pdps_por_hora" && v.Value is not null && v.Value != "0.0000");
        Assert.Contains(values, v => v.Column == "promesas_por_contacto" && v.Value == "100.0000");
    }

    /// <summary>A value as text: a number by its literal, a string as it is, null as null.</summary>
    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    private async Task<string> SeedAsync()
    {
        var tenant = await factory.NewTenantAsync("flecha");
        using var admin = factory.Client(tenant);
        using var settings = await admin.PutAsync($"/api/v1/tenants/{tenant}", Http.Body(
            """
            {"displayName":"Flecha","timeZone":"America/Lima","retentionDays":90,"metrics":[
              {"name":"llamadas","kind":"count","where":{"canal":["LLAMADA"]}},
              {"name":"saldo_llamadas","kind":"sum","field":"saldo","where":{"canal":["LLAMADA"]}},
              {"name":"promesas_por_contacto","kind":"ratio","numerator":"compromisos","denominator":"contactos","scale":100}]}
            """, "application/json"));
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        using var rules = await admin.PutAsync($"/api/v1/tenants/{tenant}/homologation", Http.Body(
            "tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\nPROMESA DE PAGO,PROMESA_PAGO,true,true\n", "text/csv"));
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        Assert.Equal(6, (await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv")))).Accepted);
        var jornadas = $"cliente,ejecutivo,fecha,horas_trabajadas\n{tenant},EJ01,2025-03-01,7.5\n{tenant},EJ02,2025-03-01,3\n";
        Assert.Equal(2, (await Http.Answer(await Http.Push(admin, tenant, Http.Body(jornadas, "text/csv"), "jornadas"))).Accepted);
        return tenant;
    }

    /// <summary>Runs tests/js/read-arrow.mjs on the bytes; a missing node or package fails the test, saying what to install.</summary>
    private static async Task<JsonDocument> ReadWithApacheArrowAsync(byte[] arrow)
    {
        var root = RepositoryRoot();
        var js = Path.Combine(root, "tests", "js");
        Assert.True(File.Exists(Path.Combine(js, "node_modules", "apache-arrow", "package.json")),
            $"the apache-arrow npm package is not installed in {js}: run `npm ci` there (scripts/test.sh does)");

        var file = Path.Combine(Path.GetTempPath(), $"pulso-snapshot-{Guid.NewGuid():N}.arrows");
        await File.WriteAllBytesAsync(file, arrow);
        try
        {
            var start = new ProcessStartInfo("node") { WorkingDirectory = js, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(js, "read-arrow.mjs"));
            start.ArgumentList.Add(file);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            }
            catch (Win32Exception e)
            {
                Assert.Fail($"node (Node.js >= 20) is needed to read the Arrow snapshot with apache-arrow and could not be started: {e.Message}");
                throw;
            }

            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"node read-arrow.mjs did not finish within 60 s: {await stderr}");
                }

                Assert.True(process.ExitCode == 0, $"node read-arrow.mjs exited {process.ExitCode}: {await stderr}");
                return JsonDocument.Parse(await stdout);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulso.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Pulso.Orleans.sln above {AppContext.BaseDirectory}");
    }
}
