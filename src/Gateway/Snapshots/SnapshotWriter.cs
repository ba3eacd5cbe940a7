using System.Runtime.CompilerServices;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Gateway.Snapshots;

/// <summary>Snapshot bodies: JSON with the domain names verbatim (money and rates as exact strings), CSV, Arrow.</summary>
public static class SnapshotWriter
{
    // The query worker hands out the same immutable answer while the data behind it is unchanged, so the JSON of an
    // answer is kept with it (and goes when the answer is collected): a dashboard polling an unchanged snapshot is
    // answered without writing it again. Keyed by the answer's identity; the tenant and range are checked too.
    private static readonly ConditionalWeakTable<QueryResultContract, JsonBody> s_json = new();

    public static async Task WriteJsonAsync(Stream body, string tenant, MetricQueryContract query, QueryResultContract result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(result);
        if (!s_json.TryGetValue(result, out var json) || json.Tenant != tenant || json.From != query.From || json.To != query.To)
        {
            using var buffer = new MemoryStream();
            await JsonResultWriter.WriteAsync(buffer, tenant, query.From, query.To, result.Version, result.ToResult(), ct);
            json = new JsonBody(tenant, query.From, query.To, buffer.ToArray());
            s_json.AddOrUpdate(result, json);
        }

        await body.WriteAsync(json.Bytes, ct);
    }

    public static async Task WriteCsvAsync(Stream body, QueryResultContract result, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        CsvResultWriter.Write(result.ToResult(), buffer);
        buffer.Position = 0;
        await buffer.CopyToAsync(body, ct);
    }

    public static async Task WriteArrowAsync(Stream body, QueryResultContract result, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        ArrowResultWriter.WriteStream(result.ToResult(), buffer);
        buffer.Position = 0;
        await buffer.CopyToAsync(body, ct);
    }

    private sealed record JsonBody(string Tenant, DateOnly From, DateOnly To, byte[] Bytes);
}
