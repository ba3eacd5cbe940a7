using System.Net;
using System.Text;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Limits;

/// <summary>Each limit answers with a problem+json naming it (DESIGN 5, issue 4): rate, range, groups, Kestrel's body size.</summary>
[Collection(LimitsCollection.Name)]
public sealed class LimitsTests(LimitsFactory factory)
{
    [Fact]
    public async Task ATenantOverItsRateGets429WithRetryAfterAndOtherTenantsAreUntouched()
    {
        var noisy = await factory.NewTenantAsync("rate-noisy");
        var quiet = await factory.NewTenantAsync("rate-quiet");
        var client = factory.Client(noisy, "viewer");

        // Aimed at the quiet tenant's routes: the noisy caller's bucket pays, not the victim's.
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            answers.Add(await client.GetAsync(i % 2 == 0 ? $"/api/v1/tenants/{noisy}" : $"/api/v1/tenants/{quiet}"));
        }

        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.True(refused[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without a Retry-After of at least a second");
        await Http.Problem(refused[0], HttpStatusCode.TooManyRequests, "Pulso:RateLimit:PermitsPerSecond");
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.TooManyRequests), a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound }));

        var victim = factory.Client(quiet, "viewer");
        Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync($"/api/v1/tenants/{quiet}")).StatusCode);
    }

    [Fact]
    public async Task ARangeLongerThanTheLimitIsRefusedNamingIt()
    {
        var tenant = await factory.NewTenantAsync("range");
        var client = factory.Client(tenant, "viewer");

        var tooLong = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-01-01&to=2025-02-01");
        await Http.Problem(tooLong, HttpStatusCode.BadRequest, "Pulso:Query:MaxRangeDays");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-01-01&to=2025-01-31")).StatusCode);
    }

    [Fact]
    public async Task AnAnswerWithMoreGroupsThanTheLimitIsRefusedNamingIt()
    {
        var tenant = await factory.NewTenantAsync("groups");
        var rows = Enumerable.Range(1, LimitsFactory.MaxGroups + 1)
            .Select(i => Rows.Gestion(tenant, "2025-03-01 10:00:00", $"{i}", $"EJ{i:00}", "Contacto Directo", "10.00", "5"))
            .ToList();
        var push = await Http.Push(factory.Client(tenant, "admin"), tenant, Http.Body(Rows.Csv(rows), "text/csv"));
        Assert.Equal(rows.Count, (await Http.Answer(push)).Accepted);
        var client = factory.Client(tenant, "viewer");

        var tooMany = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-01&groupBy=ejecutivo");
        await Http.Problem(tooMany, HttpStatusCode.UnprocessableEntity, "Pulso:Query:MaxGroups");
        var filtered = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from=2025-03-01&to=2025-03-01&groupBy=ejecutivo&filter=ejecutivo:EJ01,EJ02");
        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
    }

    [Fact]
    public async Task ABodyOverKestrelsLimitIsAProblemNamingTheLimitAndChangesNothing()
    {
        var tenant = await factory.NewTenantAsync("kestrel");
        var client = factory.Client(tenant, "admin");
        var huge = new StringBuilder("{\"displayName\":\"");
        huge.Append('x', (int)LimitsFactory.MaxRequestBodySize + 1024).Append("\",\"timeZone\":\"UTC\",\"retentionDays\":10}");

        var answer = await client.PutAsync($"/api/v1/tenants/{tenant}", Http.Body(huge.ToString(), "application/json"));

        await Http.Problem(answer, HttpStatusCode.RequestEntityTooLarge, "Kestrel:Limits:MaxRequestBodySize");
        var settings = await client.GetStringAsync($"/api/v1/tenants/{tenant}");
        Assert.Contains("America/Lima", settings, StringComparison.Ordinal);
    }
}
