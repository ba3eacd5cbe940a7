using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>
/// REST, SOAP and BigQuery sources against local servers that speak the protocol, page after page: small pages whose
/// boundaries cut through rows sharing a watermark value, rows added after the first sync, and the credentials checked.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed partial class WebSourceTests(GrainClusterFixture fixture)
{
    private const string RestToken = "Bearer rest-token-4711";

    [Theory]
    [InlineData("since")]
    [InlineData("page")]
    [InlineData("cursor")]
    public async Task RestApiIsPulledPageByPageWithoutLossOrDoubles(string pagination)
    {
        var rows = SourceData.Rows(seed: 71, count: 230);
        await using var server = await LocalServer.StartAsync(context => RestAsync(context, rows, pagination));
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = Source(tenant, "crm");
        Assert.Empty(await source.Configure(new SourceConfig("rest", server.Url + "/api/", PageSize: 7, Secret: RestToken,
            Settings: new Dictionary<string, string> { ["pagination"] = pagination, ["limitParam"] = "limite" },
            Gestiones: new SourceFeed(Path: "gestiones?estado=todas", RowsPath: pagination == "page" ? null : "data.items", Columns: SourceRow.Mapping, WatermarkColumn: pagination == "since" ? "ts" : null))));

        var status = await SourceData.CatchUpAsync(source);
        Assert.Equal(230, status.Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), $"REST {pagination}");

        // Rows added later, some sharing the last watermark value, come with the next polls.
        lock (rows)
        {
            rows.AddRange(SourceData.Rows(seed: 72, count: 40, firstId: 231));
        }

        status = await SourceData.CatchUpAsync(source);
        Assert.Equal(270, status.Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), $"REST {pagination}, after new rows");
    }

    [Fact]
    public async Task RestApiRefusingTheTokenIsReportedWithItsStatus()
    {
        var rows = SourceData.Rows(seed: 73, count: 10);
        await using var server = await LocalServer.StartAsync(context => RestAsync(context, rows, "since"));
        var source = Source(await Tenants.CreateAsync(fixture.Client), "crm");
        Assert.Empty(await source.Configure(new SourceConfig("rest", server.Url, Secret: "Bearer wrong",
            Gestiones: new SourceFeed(Path: "/api/gestiones", RowsPath: "data.items", Columns: SourceRow.Mapping, WatermarkColumn: "ts"))));

        var status = await source.PollNow();

        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.Contains("401", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, status.Rows);
    }

    [Fact]
    public async Task SoapEndpointIsPulledFromItsEnvelopeTemplate()
    {
        var rows = SourceData.Rows(seed: 74, count: 120);
        await using var server = await LocalServer.StartAsync(context => SoapAsync(context, rows));
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = Source(tenant, "legacy");
        const string envelope = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><Listar xmlns=\"urn:cobranza\">"
            + "<desde>{since}</desde><max>{limit}</max></Listar></soap:Body></soap:Envelope>";
        var mapping = new Dictionary<string, string>
        {
            ["gestion_id"] = "Id", ["fecha"] = "Fecha", ["documento"] = "Doc", ["ejecutivo"] = "Asesor", ["tipificacion"] = "Resultado",
            ["saldo"] = "Saldo", ["dias_mora"] = "Mora", ["canal"] = "Canal",
        };
        Assert.Empty(await source.Configure(new SourceConfig("soap", server.Url + "/ws/Gestiones.asmx", PageSize: 9,
            Settings: new Dictionary<string, string> { ["soapAction"] = "urn:cobranza/Listar" },
            Gestiones: new SourceFeed(Path: envelope, RowsPath: "Gestion", Columns: mapping, WatermarkColumn: "Ts"))));

        var status = await SourceData.CatchUpAsync(source);

        Assert.Equal(120, status.Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), "SOAP");
        lock (rows)
        {
            rows.AddRange(SourceData.Rows(seed: 75, count: 25, firstId: 121));
        }

        Assert.Equal(145, (await SourceData.CatchUpAsync(source)).Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), "SOAP, after new rows");
    }

    [Fact]
    public async Task BigQueryIsReadThroughJobsQueryAndGetQueryResultsAsTheServiceAccount()
    {
        using var key = RSA.Create(2048);
        var account = ServiceAccount(key, "pulso-test@proyecto-x.iam.gserviceaccount.com");
        var rows = SourceData.Rows(seed: 76, count: 150);
        var fake = new FakeBigQuery(rows, key, "pulso-test@proyecto-x.iam.gserviceaccount.com");
        await using var server = await LocalServer.StartAsync(fake.HandleAsync);
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = Source(tenant, "warehouse");
        Assert.Empty(await source.Configure(new SourceConfig("bigquery", server.Url, PageSize: 11, Secret: account,
            Settings: new Dictionary<string, string> { ["projectId"] = "proyecto-x", ["location"] = "US" },
            Gestiones: new SourceFeed(Table: "proyecto-x.cobranza.gestiones", Columns: SourceRow.Mapping, WatermarkColumn: "ts"))));

        var status = await SourceData.CatchUpAsync(source);

        Assert.Equal(150, status.Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), "BigQuery");
        Assert.True(fake.PagedResults > 10, $"results came in {fake.PagedResults} getQueryResults pages");
        Assert.Equal(0, fake.Refused);

        lock (rows)
        {
            rows.AddRange(SourceData.Rows(seed: 77, count: 30, firstId: 151));
        }

        Assert.Equal(180, (await SourceData.CatchUpAsync(source)).Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), "BigQuery, after new rows");

        // Another key, not the account's: the server refuses its token and the source says so.
        using var other = RSA.Create(2048);
        var impostor = Source(await Tenants.CreateAsync(fixture.Client), "warehouse");
        Assert.Empty(await impostor.Configure(new SourceConfig("bigquery", server.Url, Secret: ServiceAccount(other, "pulso-test@proyecto-x.iam.gserviceaccount.com"),
            Settings: new Dictionary<string, string> { ["projectId"] = "proyecto-x" },
            Gestiones: new SourceFeed(Table: "cobranza.gestiones", Columns: SourceRow.Mapping, WatermarkColumn: "ts"))));
        var refused = await impostor.PollNow();
        Assert.Contains("401", refused.LastError, StringComparison.Ordinal);
        Assert.Contains("signature", refused.LastError, StringComparison.Ordinal);
        Assert.True(fake.Refused > 0);
    }

    private ISourceGrain Source(string tenant, string name) => fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name));

    /// <summary>The REST API: since (ts at or after, ordered by ts then id), numbered pages, or an id cursor.</summary>
    private static async Task RestAsync(HttpContext context, List<SourceRow> rows, string pagination)
    {
        if (context.Request.Headers.Authorization != RestToken)
        {
            context.Response.StatusCode = 401;
            return;
        }

        Assert.Equal("todas", context.Request.Query["estado"]);
        var limit = int.Parse(context.Request.Query["limite"].ToString() is { Length: > 0 } l ? l : context.Request.Query["limit"].ToString(), CultureInfo.InvariantCulture);
        List<SourceRow> snapshot;
        lock (rows)
        {
            snapshot = [.. rows];
        }

        object body;
        switch (pagination)
        {
            case "page":
                var page = int.Parse(context.Request.Query["page"]!, CultureInfo.InvariantCulture);
                body = snapshot.OrderBy(r => r.Id).Skip((page - 1) * limit).Take(limit).Select(r => r.Json()).ToList();
                break;
            case "cursor":
                var after = context.Request.Query["cursor"].ToString() is { Length: > 0 } c ? long.Parse(c[1..], CultureInfo.InvariantCulture) : 0;
                var taken = snapshot.Where(r => r.Id > after).OrderBy(r => r.Id).Take(limit).ToList();
                body = new { data = new { items = taken.Select(r => r.Json()) }, next_cursor = taken.Count == limit ? $"c{taken[^1].Id}" : null };
                break;
            default:
                var since = context.Request.Query["since"].ToString() is { Length: > 0 } s ? long.Parse(s, CultureInfo.InvariantCulture) : long.MinValue;
                body = new { data = new { items = snapshot.Where(r => r.Ts >= since).OrderBy(r => r.Ts).ThenBy(r => r.Id).Take(limit).Select(r => r.Json()) } };
                break;
        }

        await context.Response.WriteAsJsonAsync(body);
    }

    /// <summary>A SOAP 1.1 service: the envelope's desde and max, rows with ts at or after desde.</summary>
    private static async Task SoapAsync(HttpContext context, List<SourceRow> rows)
    {
        Assert.Equal("\"urn:cobranza/Listar\"", context.Request.Headers["SOAPAction"].ToString());
        var request = await XDocument.LoadAsync(context.Request.Body, LoadOptions.None, context.RequestAborted);
        var desde = request.Descendants().Single(e => e.Name.LocalName == "desde").Value;
        var max = int.Parse(request.Descendants().Single(e => e.Name.LocalName == "max").Value, CultureInfo.InvariantCulture);
        var since = desde.Length > 0 ? long.Parse(desde, CultureInfo.InvariantCulture) : long.MinValue;
        List<SourceRow> page;
        lock (rows)
        {
            page = [.. rows.Where(r => r.Ts >= since).OrderBy(r => r.Ts).ThenBy(r => r.Id).Take(max)];
        }

        XNamespace soap = "http://schemas.xmlsoap.org/soap/envelope/";
        XNamespace ns = "urn:cobranza";
        var answer = new XDocument(new XElement(soap + "Envelope", new XElement(soap + "Body", new XElement(ns + "ListarResponse",
            page.Select(r => new XElement(ns + "Gestion",
                new XElement(ns + "Id", r.Id), new XElement(ns + "Ts", r.Ts), new XElement(ns + "Fecha", SourceData.Fecha(r.Gestion, r.Id)),
                new XElement(ns + "Doc", r.Gestion.Documento), new XElement(ns + "Asesor", r.Gestion.Ejecutivo), new XElement(ns + "Resultado", r.Gestion.Tipificacion),
                new XElement(ns + "Saldo", SourceData.Saldo(r.Gestion.SaldoCents)), new XElement(ns + "Mora", SourceData.DiasMora(r.Gestion.Tramo)),
                new XElement(ns + "Canal", r.Gestion.Canal)))))));
        context.Response.ContentType = "text/xml; charset=utf-8";
        await context.Response.WriteAsync(answer.ToString(SaveOptions.DisableFormatting));
    }

    private static string ServiceAccount(RSA key, string email) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["project_id"] = "proyecto-x",
        ["private_key_id"] = "k-1",
        ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = email,
        ["client_id"] = "1234567890",
        ["token_uri"] = "https://oauth2.invalid/token",
    });

    /// <summary>
    /// The subset of the BigQuery REST API a source uses: <c>jobs.query</c> (answering "not complete" first) and
    /// <c>jobs.getQueryResults</c> pages of 4 rows with page tokens; the bearer token must be an RS256 JWT signed by the
    /// service account's key, issued by its email, for the BigQuery scope. The SQL is not parsed beyond its select list,
    /// LIMIT and direction; the named parameters say which rows.
    /// </summary>
    private sealed partial class FakeBigQuery(List<SourceRow> rows, RSA key, string email)
    {
        private readonly Dictionary<string, (string[] Columns, List<SourceRow> Rows)> _jobs = [];

        public int PagedResults { get; private set; }

        public int Refused { get; private set; }

        public async Task HandleAsync(HttpContext context)
        {
            if (CheckToken(context.Request.Headers.Authorization.ToString()) is { } problem)
            {
                Refused++;
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { error = new { code = 401, message = problem } });
                return;
            }

            var path = context.Request.Path.Value!;
            if (context.Request.Method == "POST" && path == "/bigquery/v2/projects/proyecto-x/queries")
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body);
                var jobId = $"job-{_jobs.Count}";
                _jobs[jobId] = Run(body.RootElement);
                await context.Response.WriteAsJsonAsync(new { jobComplete = false, jobReference = new { projectId = "proyecto-x", jobId, location = "US" } });
                return;
            }

            var match = JobPath().Match(path);
            Assert.True(context.Request.Method == "GET" && match.Success, $"unexpected {context.Request.Method} {path}");
            Assert.Equal("US", context.Request.Query["location"]);
            var (columns, result) = _jobs[match.Groups[1].Value];
            var start = context.Request.Query["pageToken"].ToString() is { Length: > 0 } t ? int.Parse(t, CultureInfo.InvariantCulture) : 0;
            var page = result.Skip(start).Take(4).ToList();
            PagedResults++;
            await context.Response.WriteAsJsonAsync(new
            {
                jobComplete = true,
                jobReference = new { projectId = "proyecto-x", jobId = match.Groups[1].Value, location = "US" },
                totalRows = result.Count.ToString(CultureInfo.InvariantCulture),
                schema = new { fields = columns.Select(c => new { name = c, type = Type(c) }) },
                rows = page.Select(r => new { f = columns.Select(c => new { v = Cell(r, c) }) }),
                pageToken = start + 4 < result.Count ? (start + 4).ToString(CultureInfo.InvariantCulture) : null,
            });
        }

        private (string[] Columns, List<SourceRow> Rows) Run(JsonElement request)
        {
            var sql = request.GetProperty("query").GetString()!;
            Assert.False(request.GetProperty("useLegacySql").GetBoolean());
            Assert.Contains("FROM `proyecto-x`.`cobranza`.`gestiones`", sql, StringComparison.Ordinal);
            var columns = SelectList().Match(sql).Groups[1].Value.Split(", ").Select(c => c.Trim('`')).ToArray();
            var limit = int.Parse(Limit().Match(sql).Groups[1].Value, CultureInfo.InvariantCulture);
            var parameters = request.GetProperty("queryParameters").EnumerateArray().ToDictionary(
                p => p.GetProperty("name").GetString()!, p => long.Parse(p.GetProperty("parameterValue").GetProperty("value").GetString()!, CultureInfo.InvariantCulture));
            List<SourceRow> snapshot;
            lock (rows)
            {
                snapshot = [.. rows];
            }

            IEnumerable<SourceRow> selected = snapshot.OrderBy(r => r.Ts).ThenBy(r => r.Id);
            if (sql.Contains(" DESC", StringComparison.Ordinal))
            {
                selected = selected.Reverse();
            }

            if (parameters.TryGetValue("a0", out var a0))
            {
                selected = selected.Where(r => r.Ts > a0 || (r.Ts == a0 && r.Id > parameters["a1"]));
            }

            if (parameters.TryGetValue("h0", out var h0))
            {
                selected = selected.Where(r => r.Ts < h0 || (r.Ts == h0 && r.Id <= parameters["h1"]));
            }

            return (columns, [.. selected.Take(limit)]);
        }

        private string? CheckToken(string header)
        {
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || header[7..].Split('.') is not { Length: 3 } parts)
            {
                return "no bearer token";
            }

            using var head = JsonDocument.Parse(Base64Url(parts[0]));
            using var claims = JsonDocument.Parse(Base64Url(parts[1]));
            if (head.RootElement.GetProperty("alg").GetString() != "RS256"
                || !key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return "the token's signature is not the service account's";
            }

            var c = claims.RootElement;
            return c.GetProperty("iss").GetString() != email ? "wrong issuer"
                : !c.GetProperty("scope").GetString()!.Contains("https://www.googleapis.com/auth/bigquery", StringComparison.Ordinal) ? "no BigQuery scope"
                : DateTimeOffset.FromUnixTimeSeconds(c.GetProperty("exp").GetInt64()) < DateTimeOffset.UtcNow ? "expired"
                : null;
        }

        private static byte[] Base64Url(string text) =>
            Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));

        private static string Type(string column) => column switch
        {
            "id" or "ts" or "mora" => "INTEGER",
            "saldo" => "NUMERIC",
            "fecha_gestion" => "DATETIME",
            _ => "STRING",
        };

        private static string? Cell(SourceRow r, string column) => column switch
        {
            "fecha_gestion" => SourceData.Fecha(r.Gestion, r.Id).Replace(' ', 'T'),
            _ => Convert.ToString(r.Json()[column], CultureInfo.InvariantCulture),
        };

        [GeneratedRegex("^/bigquery/v2/projects/proyecto-x/queries/([a-z0-9-]+)$")]
        private static partial Regex JobPath();

        [GeneratedRegex("^SELECT (.+?) FROM ")]
        private static partial Regex SelectList();

        [GeneratedRegex(" LIMIT ([0-9]+)$")]
        private static partial Regex Limit();
    }
}
