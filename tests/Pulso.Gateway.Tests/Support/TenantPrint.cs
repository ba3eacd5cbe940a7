using System.Text;
using Pulso.Grains.Metrics;

namespace Pulso.Gateway.Tests.Support;

/// <summary>Everything of a tenant that a request could change, read by an operator, as text to compare before and after.</summary>
internal static class TenantPrint
{
    public static async Task<string> OfAsync(GatewayFactory factory, string tenant, params string[] tenantMetrics)
    {
        using var op = factory.Client("operaciones", "operator");
        var metrics = string.Join(',', MetricCatalog.BuiltinNames.Concat(tenantMetrics));
        var print = new StringBuilder();
        foreach (var path in new[]
        {
            string.Empty,
            "/homologation?days=1", // the rules; seeded figures are read below (a wide unmapped window costs a grain per day)
            "/apikeys",
            "/rejects?limit=10000",
            $"/metrics?from=2025-03-01&to=2025-03-02&groupBy=dia,ejecutivo,tipificacion,categoria,canal&metrics={metrics}&format=csv",
        })
        {
            using var response = await op.GetAsync($"/api/v1/tenants/{tenant}{path}");
            print.Append(path).Append(' ').Append((int)response.StatusCode).Append(' ').AppendLine(await response.Content.ReadAsStringAsync());
        }

        return print.ToString();
    }

    /// <summary>The lines where two prints differ.</summary>
    public static string Diff(string before, string after) =>
        string.Join('\n', before.Split('\n').Zip(after.Split('\n')).Where(p => p.First != p.Second).Select(p => $"  before: {Cut(p.First)}\n  after:  {Cut(p.Second)}"));

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
