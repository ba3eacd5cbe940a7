using System.Net;
using System.Text;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Ingest;

/// <summary>Requests refused as a whole: the right status, a problem+json naming the problem, and no figure changed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RefusedPushTests(GatewayFactory factory)
{
    private const string Good = "\"fecha\":\"2025-03-01 08:00:00\",\"documento\":\"1\",\"ejecutivo\":\"EJ01\",\"tipificacion\":\"X\",\"saldo\":\"1\",\"dias_mora\":\"1\",\"canal\":\"SMS\"";

    public static TheoryData<string, string, string, HttpStatusCode, string> Cases => new()
    {
        { "unclosed array", "application/json", "[{\"cliente\":\"@\"," + Good + "},{\"cliente\":", HttpStatusCode.BadRequest, "not valid JSON" },
        { "object, not an array", "application/json", "{\"cliente\":\"@\"," + Good + "}", HttpStatusCode.BadRequest, "JSON array of objects" },
        { "element not an object", "application/json", "[{\"cliente\":\"@\"," + Good + "}, 42]", HttpStatusCode.BadRequest, "element [1] (line 1): expected an object, found a number" },
        { "trailing garbage", "application/json", "[{\"cliente\":\"@\"," + Good + "}] x", HttpStatusCode.BadRequest, "not valid JSON" },
        { "missing field", "application/json", "[{\"cliente\":\"@\"," + Good + "},\n{\"cliente\":\"@\"," + Good.Replace(",\"dias_mora\":\"1\"", string.Empty, StringComparison.Ordinal) + "}]", HttpStatusCode.BadRequest, "element [1] (line 2): missing field 'dias_mora'" },
        { "duplicate field", "application/json", "[{\"cliente\":\"@\",\"saldo\":\"2\"," + Good + "}]", HttpStatusCode.BadRequest, "field 'saldo' appears twice" },
        { "null value", "application/json", "[{\"cliente\":\"@\"," + Good + "},{\"cliente\":\"@\"," + Good.Replace("\"saldo\":\"1\"", "\"saldo\":null", StringComparison.Ordinal) + "}]", HttpStatusCode.BadRequest, "element [1] (line 1): field 'saldo' is null" },
        { "boolean value", "application/x-ndjson", "{\"cliente\":\"@\"," + Good + "}\n{\"cliente\":\"@\"," + Good.Replace("\"documento\":\"1\"", "\"documento\":true", StringComparison.Ordinal) + "}\n", HttpStatusCode.BadRequest, "line 2: field 'documento' is a boolean" },
        { "object value", "application/x-ndjson", "{\"cliente\":\"@\"," + Good.Replace("\"ejecutivo\":\"EJ01\"", "\"ejecutivo\":{\"id\":1}", StringComparison.Ordinal) + "}\n", HttpStatusCode.BadRequest, "field 'ejecutivo' is an object" },
        { "array value", "application/json", "[{\"cliente\":\"@\"," + Good.Replace("\"canal\":\"SMS\"", "\"canal\":[\"SMS\"]", StringComparison.Ordinal) + "}]", HttpStatusCode.BadRequest, "field 'canal' is an array" },
        { "ndjson line not an object", "application/x-ndjson", "{\"cliente\":\"@\"," + Good + "}\n[1]\n", HttpStatusCode.BadRequest, "line 2: expected an object" },
        { "csv missing column", "text/csv", "cliente,fecha,documento,ejecutivo,tipificacion,saldo,canal\n@,2025-03-01 08:00:00,1,EJ01,X,1,SMS\n", HttpStatusCode.BadRequest, "missing column dias_mora" },
        { "csv ragged row", "text/csv", "cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n@,2025-03-01 08:00:00,1,EJ01,X,1,1,SMS\n@,2025-03-01 08:00:00,1\n", HttpStatusCode.BadRequest, "line 3: expected 8 fields" },
        { "csv bad quote", "text/csv", "cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n@,2025-03-01 08:00:00,1,EJ01,\"X\"y,1,1,SMS\n", HttpStatusCode.BadRequest, "line 2" },
        { "empty csv", "text/csv", string.Empty, HttpStatusCode.BadRequest, "empty" },
        { "foreign cliente (csv)", "text/csv", "cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n@,2025-03-01 08:00:00,1,EJ01,X,1,1,SMS\notro,2025-03-01 08:00:00,1,EJ01,X,1,1,SMS\n", HttpStatusCode.UnprocessableEntity, "line 3: cliente 'otro' is not the tenant" },
        { "foreign cliente (json)", "application/json", "[{\"cliente\":\"@\"," + Good + "},{\"cliente\":\"otro\"," + Good + "}]", HttpStatusCode.UnprocessableEntity, "element [1] (line 1): cliente 'otro'" },
        { "foreign cliente on a rejected row", "application/x-ndjson", "{\"cliente\":\"otro\"," + Good.Replace("2025-03-01 08:00:00", "bad", StringComparison.Ordinal) + "}\n", HttpStatusCode.UnprocessableEntity, "cliente 'otro'" },
        { "unsupported content type", "text/plain", "hello", HttpStatusCode.UnsupportedMediaType, "Content-Type 'text/plain" },
        { "another charset", "text/csv; charset=latin1", "cliente\n", HttpStatusCode.UnsupportedMediaType, "Content-Type" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RefusedPushAppliesNothing(string what, string contentType, string body, HttpStatusCode status, string detail)
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            var response = await Http.Push(client, tenant, Http.Body(body.Replace("@", tenant, StringComparison.Ordinal), contentType));

            await Http.Problem(response, status, detail);
            Assert.True(await Http.Total(client, tenant) == 1, what);
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    [InlineData("text/csv")]
    public async Task BodyThatIsNotUtf8Gets400(string contentType)
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            var row = Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ\u00d1", "X", "1", "1");
            var text = contentType == "text/csv" ? Rows.Csv([row, row]) : contentType == "application/json" ? Rows.Json([row, row]) : Rows.Ndjson([row, row]);
            var bytes = Encoding.UTF8.GetBytes(text);
            var at = Array.LastIndexOf(bytes, (byte)0xC3);
            bytes[at] = 0xD1; // the Latin-1 Ñ on its own, as a Windows export would write it
            bytes[at + 1] = (byte)'X';

            var response = await Http.Push(client, tenant, Http.Body(bytes, contentType));

            await Http.Problem(response, HttpStatusCode.BadRequest, "UTF-8");
            Assert.Equal(1, await Http.Total(client, tenant));
        }
    }

    [Fact]
    public async Task BodyOverTheByteLimitGets413()
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            // 50 MB streamed without a length: refused when the limit is crossed, not after reading it all.
            var streamed = await Http.Push(client, tenant, new LargeNdjson(tenant, 50_000_000));
            await Http.Problem(streamed, HttpStatusCode.RequestEntityTooLarge, $"over the limit of {GatewayFactory.MaxBodyBytes} bytes");

            // With a Content-Length the answer comes before the body is read.
            var declared = await Http.Push(client, tenant, Http.Body(new byte[GatewayFactory.MaxBodyBytes + 1], "application/json"));
            await Http.Problem(declared, HttpStatusCode.RequestEntityTooLarge, "over the limit");
            Assert.Equal(1, await Http.Total(client, tenant));
        }
    }

    [Fact]
    public async Task MoreRowsThanTheLimitGets413()
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            var rows = Enumerable.Range(0, GatewayFactory.MaxRows + 1).Select(i => Rows.Gestion(tenant, "2025-03-01 08:00:00", $"{i}", "EJ01", "X", "1", "1"));

            var response = await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv"));

            await Http.Problem(response, HttpStatusCode.RequestEntityTooLarge, $"more than {GatewayFactory.MaxRows} rows");
            Assert.Equal(1, await Http.Total(client, tenant));
        }
    }

    [Theory]
    [InlineData("a\u0001b")]
    [InlineData("tab\tinside")]
    public async Task InvalidIdempotencyKeyGets400(string key)
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant}/gestiones") { Content = Http.Body("[]", "application/json") };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

            var response = await client.SendAsync(request);

            await Http.Problem(response, HttpStatusCode.BadRequest, "Idempotency-Key");
        }
    }

    [Fact]
    public async Task TooLongIdempotencyKeyGets400()
    {
        var (tenant, client) = await TenantWithOnePushAsync();
        using (client)
        {
            var response = await Http.Push(client, tenant, Http.Body("[]", "application/json"), idempotencyKey: new string('k', 201));

            await Http.Problem(response, HttpStatusCode.BadRequest, "1 to 200 printable ASCII");
        }
    }

    private async Task<(string Tenant, HttpClient Client)> TenantWithOnePushAsync()
    {
        var tenant = await factory.NewTenantAsync("refused");
        var client = factory.Client(tenant);
        var row = Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "1", "1");
        Assert.Equal(1, (await Http.Answer(await Http.Push(client, tenant, Http.Body(Rows.Csv([row]), "text/csv")))).Accepted);
        return (tenant, client);
    }

    /// <summary>NDJSON of valid rows padded with an unknown field, generated as it is sent, with no Content-Length.</summary>
    private sealed class LargeNdjson : HttpContent
    {
        private readonly byte[] _line;
        private readonly long _bytes;

        public LargeNdjson(string tenant, long bytes)
        {
            _line = Encoding.UTF8.GetBytes("{\"cliente\":\"" + tenant + "\"," + Good + ",\"nota\":\"" + new string('x', 64 * 1024) + "\"}\n");
            _bytes = bytes;
            Headers.ContentType = new("application/x-ndjson");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            try
            {
                for (long sent = 0; sent < _bytes; sent += _line.Length)
                {
                    await stream.WriteAsync(_line);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The server answered and stopped reading: that is the point.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
