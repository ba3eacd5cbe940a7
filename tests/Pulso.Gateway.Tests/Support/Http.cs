using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Pulso.Gateway.Tests.Support;

/// <summary>Requests and answers of the push and snapshot routes.</summary>
internal static class Http
{
    public static HttpContent Body(string text, string contentType) => Body(Encoding.UTF8.GetBytes(text), contentType);

    public static HttpContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static async Task<HttpResponseMessage> Push(HttpClient client, string tenant, HttpContent body, string route = "gestiones", string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant}/{route}") { Content = body };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    /// <summary>The 200 answer of a push: accepted and rejected by reason.</summary>
    public static async Task<(long Accepted, Dictionary<string, long> Rejected)> Answer(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var rejected = json.RootElement.GetProperty("rejected").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        return (json.RootElement.GetProperty("accepted").GetInt64(), rejected);
    }

    /// <summary>Asserts a problem+json answer with <paramref name="status"/> whose detail contains <paramref name="detailPart"/>.</summary>
    public static async Task<string> Problem(HttpResponseMessage response, HttpStatusCode status, string detailPart)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        var detail = json.RootElement.GetProperty("detail").GetString() ?? string.Empty;
        Assert.Contains(detailPart, detail, StringComparison.Ordinal);
        return detail;
    }

    /// <summary>The snapshot as CSV, grouped by <paramref name="groupBy"/>.</summary>
    public static async Task<string> SnapshotCsv(HttpClient client, string tenant, string from, string to, string groupBy = "ejecutivo,dia")
    {
        var response = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from={from}&to={to}&groupBy={groupBy}&format=csv");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>The snapshot as parsed JSON rows.</summary>
    public static async Task<List<JsonElement>> SnapshotRows(HttpClient client, string tenant, string from, string to, string groupBy)
    {
        var response = await client.GetAsync($"/api/v1/tenants/{tenant}/metrics?from={from}&to={to}&groupBy={groupBy}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return [.. json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>total_gestiones over the whole range (0 when nothing was applied).</summary>
    public static async Task<long> Total(HttpClient client, string tenant, string from = "2025-01-01", string to = "2025-12-31")
    {
        var rows = await SnapshotRows(client, tenant, from, to, string.Empty);
        return rows.Count == 0 ? 0 : rows[0].GetProperty("total_gestiones").GetInt64();
    }
}
