using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text;
using Pulso.Gateway.Tests.Support;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tests.Ingest;

[Collection(GatewayCollection.Name)]
public sealed class PushIngestTests(GatewayFactory factory)
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    [InlineData("text/csv")]
    public async Task PushedRowsGiveTheEnginesFigures(string contentType)
    {
        var tenant = await factory.NewTenantAsync("happy");
        using var client = factory.Client(tenant);
        var rows = Rows.Sample(tenant);
        var body = contentType switch
        {
            "application/json" => Rows.Json(rows, numbers: true),
            "application/x-ndjson" => Rows.Ndjson(rows).Replace("}\n", ",\"extra\":{\"nested\":[1,null,true]}}\n", StringComparison.Ordinal),
            _ => Rows.Csv(rows),
        };

        var (accepted, rejected) = await Http.Answer(await Http.Push(client, tenant, Http.Body(body, contentType)));

        Assert.Equal(rows.Count, accepted);
        Assert.All(rejected.Values, v => Assert.Equal(0, v));
        Assert.Equal(["dias_mora_invalido", "documento_vacio", "fecha_invalida", "saldo_invalido"], rejected.Keys.Order());
        var expected = Rows.EngineCsv(Rows.Csv(rows), new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 2), ["ejecutivo", "dia"]);
        Assert.Equal(expected, await Http.SnapshotCsv(client, tenant, "2025-03-01", "2025-03-02"));
    }

    [Fact]
    public async Task RowsFailingValidationAreCountedPerReasonAndQuarantined()
    {
        var tenant = await factory.NewTenantAsync("rejects");
        using var client = factory.Client(tenant);
        var good = Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "10", "1");
        var body = "[" + string.Join(",",
            Rows.Object(good),
            Rows.Object(Rows.Gestion(tenant, "2025-02-30 08:00:00", "1", "EJ01", "X", "10", "1")),
            Rows.Object(Rows.Gestion(tenant, "2025-03-01T08:00:00", "1", "EJ01", "X", "10", "1")),
            Rows.Object(Rows.Gestion(tenant, "2025-03-01 08:00:00", "   ", "EJ01", "X", "10", "1")),
            "{\"cliente\":\"" + tenant + "\",\"fecha\":\"2025-03-01 08:00:00\",\"documento\":\"1\",\"ejecutivo\":\"EJ01\",\"tipificacion\":\"X\",\"saldo\":12.345,\"dias_mora\":1,\"canal\":\"SMS\"}",
            "{\"cliente\":\"" + tenant + "\",\"fecha\":\"2025-03-01 08:00:00\",\"documento\":\"1\",\"ejecutivo\":\"EJ01\",\"tipificacion\":\"X\",\"saldo\":1e3,\"dias_mora\":1,\"canal\":\"SMS\"}",
            Rows.Object(Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "N/A", "1")),
            Rows.Object(Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "10", "1.5")),
            "{\"cliente\":\"" + tenant + "\",\"fecha\":\"2025-03-01 08:00:00\",\"documento\":\"1\",\"ejecutivo\":\"EJ01\",\"tipificacion\":\"X\",\"saldo\":10,\"dias_mora\":\"\",\"canal\":\"SMS\"}") + "]";

        var (accepted, rejected) = await Http.Answer(await Http.Push(client, tenant, Http.Body(body, "application/json")));

        Assert.Equal(1, accepted);
        Assert.Equal(2, rejected["fecha_invalida"]);
        Assert.Equal(1, rejected["documento_vacio"]);
        Assert.Equal(3, rejected["saldo_invalido"]);
        Assert.Equal(2, rejected["dias_mora_invalido"]);
        Assert.Equal(1, await Http.Total(client, tenant));
        var quarantine = await factory.Grains.GetGrain<IIngestGrain>(GrainKeys.Ingest(tenant)).GetRejects(100);
        Assert.Equal(8, quarantine.Count);
        Assert.Contains(quarantine, r => r.Reason == "saldo_invalido" && r.Fields["saldo"] == "12.345");
        Assert.Contains(quarantine, r => r.Reason == "saldo_invalido" && r.Fields["saldo"] == "1e3");
        Assert.All(quarantine, r => Assert.Equal("gestiones", r.Kind));
    }

    [Fact]
    public async Task SqlAndScriptLookingValuesAreStoredAsPlainText()
    {
        var tenant = await factory.NewTenantAsync("inject");
        using var client = factory.Client(tenant);
        string[] ejecutivos = ["'; DROP TABLE gestiones; --", "<script>alert(\"x\")</script>", "Robert\"); DELETE FROM metrics;"];
        var rows = ejecutivos.Select(e => Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", e, "<img src=x onerror=alert(1)>", "1", "1")).ToList();

        await Http.Answer(await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv")));

        var snapshot = await Http.SnapshotRows(client, tenant, "2025-03-01", "2025-03-01", "ejecutivo,tipificacion");
        Assert.Equal(ejecutivos.Order(StringComparer.Ordinal), snapshot.Select(r => r.GetProperty("ejecutivo").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(snapshot, r => Assert.Equal("<IMG SRC=X ONERROR=ALERT(1)>", r.GetProperty("tipificacion").GetString()));
    }

    [Fact]
    public async Task JornadasGiveHoursWorkedAndALaterOneReplacesTheEarlier()
    {
        var tenant = await factory.NewTenantAsync("jornadas");
        using var client = factory.Client(tenant);
        await Http.Answer(await Http.Push(client, tenant, Http.Body(Rows.Csv([Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "1", "1")]), "text/csv")));
        var jornadas = $$"""
            [{"cliente":"{{tenant}}","ejecutivo":"EJ01","fecha":"2025-03-01","horas_trabajadas":7},
             {"cliente":"{{tenant}}","ejecutivo":"EJ01","fecha":"2025-03-01","horas_trabajadas":"6.50"},
             {"cliente":"{{tenant}}","ejecutivo":"EJ01","fecha":"2025-02-30","horas_trabajadas":"1"},
             {"cliente":"{{tenant}}","ejecutivo":"EJ01","fecha":"2025-03-01","horas_trabajadas":"-1"},
             {"cliente":"{{tenant}}","ejecutivo":" ","fecha":"2025-03-01","horas_trabajadas":"1"}]
            """;

        var (accepted, rejected) = await Http.Answer(await Http.Push(client, tenant, Http.Body(jornadas, "application/json"), "jornadas"));

        Assert.Equal(2, accepted);
        Assert.Equal(new Dictionary<string, long> { ["fecha_invalida"] = 1, ["horas_invalidas"] = 1, ["ejecutivo_vacio"] = 1 }, rejected);
        var rows = await Http.SnapshotRows(client, tenant, "2025-03-01", "2025-03-01", "ejecutivo");
        Assert.Equal("6.50", Assert.Single(rows).GetProperty("horas_trabajadas").GetString());
    }

    [Fact]
    public async Task ReplayedIdempotencyKeyIsCountedOnce()
    {
        var tenant = await factory.NewTenantAsync("replay");
        using var client = factory.Client(tenant);
        var body = Rows.Ndjson(Rows.Sample(tenant));
        var answers = new List<(long, Dictionary<string, long>)>();
        for (var i = 0; i < 3; i++)
        {
            var response = await Http.Push(client, tenant, Http.Body(body, "application/x-ndjson"), idempotencyKey: "import-2025-03-01 #1");
            answers.Add(await Http.Answer(response));
            Assert.Equal(i > 0, response.Headers.Contains("Idempotent-Replayed"));
        }

        Assert.All(answers, a => Assert.Equal(answers[0].Item1, a.Item1));
        Assert.Equal(Rows.Sample(tenant).Count, await Http.Total(client, tenant));
    }

    [Fact]
    public async Task SameIdempotencyKeyWithAnotherBodyGets422AndAppliesNothing()
    {
        var tenant = await factory.NewTenantAsync("conflict");
        using var client = factory.Client(tenant);
        var rows = Rows.Sample(tenant);
        await Http.Answer(await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv"), idempotencyKey: "k1"));

        var other = await Http.Push(client, tenant, Http.Body(Rows.Csv(rows.Take(2)), "text/csv"), idempotencyKey: "k1");

        await Http.Problem(other, HttpStatusCode.UnprocessableEntity, "Idempotency-Key 'k1'");
        Assert.Equal(rows.Count, await Http.Total(client, tenant));
        var samePushOtherRoute = await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv"), "jornadas", idempotencyKey: "k1");
        Assert.True(samePushOtherRoute.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task WithoutAKeyEveryRequestApplies()
    {
        var tenant = await factory.NewTenantAsync("nokey");
        using var client = factory.Client(tenant);
        var body = Rows.Csv(Rows.Sample(tenant));
        await Http.Answer(await Http.Push(client, tenant, Http.Body(body, "text/csv")));
        await Http.Answer(await Http.Push(client, tenant, Http.Body(body, "text/csv")));

        Assert.Equal(2 * Rows.Sample(tenant).Count, await Http.Total(client, tenant));
    }

    [Fact]
    public async Task TooManyPushesInFlightGet429WithRetryAfter()
    {
        var tenant = await factory.NewTenantAsync("busy");
        using var client = factory.Client(tenant);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var row = Rows.Object(Rows.Gestion(tenant, "2025-03-01 08:00:00", "1", "EJ01", "X", "1", "1"));
        var held = Enumerable.Range(0, GatewayFactory.MaxConcurrent)
            .Select(_ => Http.Push(client, tenant, new GatedContent("[" + row, "]", gate.Task)))
            .ToList();
        try
        {
            // Wait until the held pushes hold every permit, then one more push must be refused at once.
            var throttle = factory.Services.GetRequiredService<Pulso.Gateway.Ingest.IngestThrottle>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (throttle.Available(tenant) != 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the held pushes never took every permit");
                await Task.Yield();
            }

            var refused = await Http.Push(client, tenant, Http.Body("[" + row + "]", "application/json"));
            await Http.Problem(refused, HttpStatusCode.TooManyRequests, "pushes in flight");
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        finally
        {
            gate.SetResult();
        }

        foreach (var push in held)
        {
            Assert.Equal(1, (await Http.Answer(await push)).Accepted);
        }
    }

    /// <summary>A JSON body that sends its head, then waits for a signal before sending its tail.</summary>
    private sealed class GatedContent : HttpContent
    {
        private readonly byte[] _head;
        private readonly byte[] _tail;
        private readonly Task _gate;

        public GatedContent(string head, string tail, Task gate)
        {
            _head = Encoding.UTF8.GetBytes(head);
            _tail = Encoding.UTF8.GetBytes(tail);
            _gate = gate;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_head);
            await stream.FlushAsync();
            await _gate;
            await stream.WriteAsync(_tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
