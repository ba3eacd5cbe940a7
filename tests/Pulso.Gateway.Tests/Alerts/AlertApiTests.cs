using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pulso.Gateway.Tests.Support;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Gateway.Tests.Alerts;

/// <summary><c>…/alerts</c>: rules saved, read back without credentials, refused with the field named, and delivered end to end.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AlertApiTests(GatewayFactory factory)
{
    private const string Secret = "gateway-tests-webhook-secret";

    [Fact]
    public async Task AdminsWriteRulesEveryRoleOfTheTenantReadsThemAndCredentialsNeverComeBack()
    {
        var tenant = await factory.NewTenantAsync("alerts");
        var other = await factory.NewTenantAsync("alerts-other");
        var admin = factory.Client(tenant, "admin");
        var rule = new
        {
            metric = "tasa_contactabilidad",
            scope = "ejecutivo",
            comparator = "lt",
            threshold = "20.5",
            window = "hours",
            hours = 3,
            minGestiones = 200,
            cooldownMinutes = 30,
            channels = new object[]
            {
                new { type = "slack", url = "https://hooks.slack.test/services/T000/B000/XXXXSECRET" },
                new { type = "webhook", url = "https://receiver.test/pulso?token=abc", secret = Secret },
            },
        };

        var created = await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja", rule);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja", rule with { threshold = "20.5" })).StatusCode);

        foreach (var role in new[] { "viewer", "analyst", "admin" })
        {
            var one = await factory.Client(tenant, role).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja");
            var alert = one.GetProperty("alert");
            Assert.Equal(("tasa_contactabilidad", "ejecutivo", "lt", "20.5", "hours", 3), (alert.GetProperty("metric").GetString(), alert.GetProperty("scope").GetString(),
                alert.GetProperty("comparator").GetString(), alert.GetProperty("threshold").GetString(), alert.GetProperty("window").GetString(), alert.GetProperty("hours").GetInt32()));
            Assert.Equal((200L, 30, true), (alert.GetProperty("minGestiones").GetInt64(), alert.GetProperty("cooldownMinutes").GetInt32(), alert.GetProperty("enabled").GetBoolean()));
            Assert.Empty(alert.GetProperty("firing").EnumerateArray());
            var text = one.GetRawText();
            Assert.DoesNotContain("XXXXSECRET", text, StringComparison.Ordinal);
            Assert.DoesNotContain("token=abc", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.Equal("https://hooks.slack.test/…", alert.GetProperty("channels")[0].GetProperty("url").GetString());
        }

        var list = await factory.Client(tenant, "viewer").GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/alerts");
        Assert.Equal(["contactabilidad-baja"], list.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("name").GetString()));

        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(tenant, "viewer").PutAsJsonAsync($"/api/v1/tenants/{tenant}/alerts/x", rule)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(tenant, "analyst").DeleteAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client(other, "admin").GetAsync($"/api/v1/tenants/{tenant}/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client(other, "admin").PutAsJsonAsync($"/api/v1/tenants/{tenant}/alerts/x", rule)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Anonymous().GetAsync($"/api/v1/tenants/{tenant}/alerts/history")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Client("anything", "operator").GetAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja")).StatusCode);
        await Http.Problem(await admin.GetAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja"), HttpStatusCode.NotFound, "no alert rule 'contactabilidad-baja'");
        await Http.Problem(await admin.DeleteAsync($"/api/v1/tenants/{tenant}/alerts/contactabilidad-baja"), HttpStatusCode.NotFound, "no alert rule");

        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/audit");
        Assert.Equal(["DELETE alerts", "DELETE alerts", "PUT alerts", "PUT alerts", "PUT alerts"],
            audit.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
    }

    [Theory]
    [InlineData("""{"metric":"no_such_metric","comparator":"lt","threshold":1,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "metric: 'no_such_metric' is not a built-in or tenant-defined metric")]
    [InlineData("""{"metric":"contactos","comparator":"below","threshold":1,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "comparator: 'below' is not one of lt, lte, gt, gte")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":"1e3","channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "threshold: '1e3' is not a decimal number")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1.23456,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "threshold: at most 4 decimal places")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"window":"today","hours":3,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "hours: only with window 'hours'")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"window":"hours","channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "hours: must be between 1 and 48")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"scope":"documento","channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "scope: 'documento' is not one of tenant, ejecutivo, canal")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[{"type":"webhook","url":"https://receiver.test/x"}]}""", "channels[0].secret: 16 to 256 characters")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[{"type":"webhook","url":"ftp://receiver.test/x","secret":"0123456789abcdef"}]}""", "channels[0].url: an absolute http(s) URL")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[{"type":"email","to":["a@cobranza.test"]}]}""", "channels[0]: email is not available (the cluster has no Pulso:Alerts:SendGrid:ApiKey)")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[{"type":"email","to":["not an address"]}]}""", "channels[0].to: 'not an address' is not an email address")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[]}""", "channels: between 1 and 10")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"cooldown":5,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "cooldown: not a field of a rule")]
    [InlineData("""{"metric":"contactos","comparator":"lt","threshold":1,"minGestiones":-1,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "minGestiones: must be between 0 and")]
    [InlineData("""{"metric":"contactos","comparator":"lt","channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "threshold: required")]
    [InlineData("""[1,2]""", "the body must be a JSON object")]
    public async Task InvalidRulesAreRefusedNamingTheField(string body, string detail)
    {
        var tenant = await factory.NewTenantAsync("alerts-bad");
        var admin = factory.Client(tenant, "admin");

        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/alerts/r1", Http.Body(body, "application/json")), HttpStatusCode.BadRequest, detail);

        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/alerts")).GetProperty("alerts").EnumerateArray());
    }

    [Fact]
    public async Task ANameThatIsNotARouteSegmentOrIsHistoryIsRefused()
    {
        var tenant = await factory.NewTenantAsync("alerts-name");
        var body = Http.Body("""{"metric":"contactos","comparator":"lt","threshold":1,"channels":[{"type":"slack","url":"https://hooks.slack.test/x"}]}""", "application/json");
        var admin = factory.Client(tenant, "admin");

        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/alerts/history", body), HttpStatusCode.BadRequest, "name: 'history'");
        await Http.Problem(await admin.PutAsync($"/api/v1/tenants/{tenant}/alerts/Mayusculas", body), HttpStatusCode.BadRequest, "name: 'Mayusculas' must be");
    }

    [Fact]
    public async Task PushedGestionesThatCrossARuleReachTheSignedWebhookAndTheHistory()
    {
        var receiver = await AlertReceiver.SharedAsync();
        var tenant = await factory.NewTenantAsync("alerts-e2e");
        var admin = factory.Client(tenant, "admin");
        var path = $"/{tenant}/hook";
        var rule = new { metric = "total_gestiones", comparator = "gte", threshold = 3, channels = new[] { new { type = "webhook", url = receiver.BaseUrl + path, secret = Secret } } };
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}/alerts/volumen", rule)).StatusCode);
        var today = await factory.Grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).Today();
        var fecha = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 09:30:00";
        string[][] rows = [.. Enumerable.Range(0, 3).Select(i => Rows.Gestion(tenant, fecha, $"D{i}", "EJ01", "CONTACTO", "10.00", "5"))];

        Assert.Equal(3, (await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv(rows), "text/csv")))).Accepted);

        var hook = Assert.Single(await receiver.WaitAsync(path, r => r.Count >= 1, TimeSpan.FromSeconds(20)));
        var parts = hook.Header("X-Pulso-Signature")!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{hook.Text}"));
        Assert.Equal(Convert.ToHexStringLower(mac), parts["v1"]);
        using var payload = JsonDocument.Parse(hook.Body);
        Assert.Equal(("3", 3L), (payload.RootElement.GetProperty("value").GetString(), payload.RootElement.GetProperty("gestiones").GetInt64()));

        var history = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/alerts/history");
        var firing = Assert.Single(history.GetProperty("events").EnumerateArray());
        Assert.Equal(("volumen", "firing", "3", "3"), (firing.GetProperty("rule").GetString(), firing.GetProperty("event").GetString(), firing.GetProperty("value").GetString(), firing.GetProperty("threshold").GetString()));
        Assert.Equal(hook.Header("X-Pulso-Notification-Id"), firing.GetProperty("id").GetString());
        var alert = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/alerts/volumen")).GetProperty("alert");
        Assert.Equal([string.Empty], alert.GetProperty("firing").EnumerateArray().Select(g => g.GetString()));
    }
}
