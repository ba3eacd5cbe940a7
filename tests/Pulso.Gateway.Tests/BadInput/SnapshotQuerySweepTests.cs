using System.Net;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.BadInput;

/// <summary>Snapshot queries that cannot be answered: a 4xx problem+json naming the parameter, in every format, and nothing changed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SnapshotQuerySweepTests(GatewayFactory factory)
{
    private const string Range = "from=2025-03-01&to=2025-03-02";

    [Theory]
    [InlineData("from=10000-01-01&to=10000-01-02", "from '10000-01-01'")]
    [InlineData("from=2025-03-01&to=10000-01-01", "to '10000-01-01'")]
    [InlineData("from=2025-02-30&to=2025-03-01", "from '2025-02-30'")]
    [InlineData("from=2025-03-01&to=2025-02-30", "to '2025-02-30'")]
    [InlineData("from=2025-3-1&to=2025-03-02", "from '2025-3-1'")]
    [InlineData("from=2025-03-01T00:00:00&to=2025-03-02", "from '2025-03-01T00:00:00'")]
    [InlineData("from=2025-03-02&to=2025-03-01", "from (2025-03-02) is after to (2025-03-01)")]
    [InlineData("to=2025-03-01", "from is required")]
    [InlineData("from=2025-03-01", "to is required")]
    [InlineData("from=0001-01-01&to=9999-12-31", "Pulso:Query:MaxRangeDays")]
    [InlineData(Range + "&groupBy=ejecutivo,nada", "groupBy: 'nada' is not a dimension")]
    [InlineData(Range + "&groupBy=canal,canal", "groupBy: 'canal' appears twice")]
    [InlineData(Range + "&metrics=total_gestiones,nada", "metrics: 'nada' is not a known metric")]
    [InlineData(Range + "&filter=nada:x", "filter: 'nada' is not a dimension")]
    [InlineData(Range + "&filter=canal:SMS&filter=canal:LLAMADA", "filter names dimension 'canal' twice")]
    [InlineData(Range + "&filter=canal", "filter 'canal' must be dimension:value1,value2")]
    [InlineData(Range + "&filter=canal:", "filter 'canal': no values")]
    public async Task UnanswerableQueryGets400NamingTheParameter(string query, string detail)
    {
        var (tenant, analyst) = await SeededAsync();
        var before = await TenantPrint.OfAsync(factory, tenant);

        foreach (var format in new[] { "json", "csv", "arrow" })
        {
            var response = await analyst.GetAsync($"/api/v1/tenants/{tenant}/metrics?{query}&format={format}");
            await Http.Problem(response, HttpStatusCode.BadRequest, detail);
        }

        Assert.Equal(before, await TenantPrint.OfAsync(factory, tenant));
    }

    [Fact]
    public async Task UnknownFormatGets406NamingTheFormats()
    {
        var (tenant, analyst) = await SeededAsync();

        var response = await analyst.GetAsync($"/api/v1/tenants/{tenant}/metrics?{Range}&format=xml");

        await Http.Problem(response, HttpStatusCode.NotAcceptable, "format must be json, csv or arrow");
    }

    private async Task<(string Tenant, HttpClient Analyst)> SeededAsync()
    {
        var tenant = await factory.NewTenantAsync("consulta");
        using (var admin = factory.Client(tenant))
        {
            Assert.Equal(6, (await Http.Answer(await Http.Push(admin, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv")))).Accepted);
        }

        return (tenant, factory.Client(tenant, "analyst"));
    }
}
