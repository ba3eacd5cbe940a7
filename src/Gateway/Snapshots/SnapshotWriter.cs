using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Gateway.Snapshots;

/// <summary>Snapshot bodies: JSON with the domain names verbatim (money and rates as exact strings), CSV, Arrow.</summary>
public static class SnapshotWriter
{
    public static Task WriteJsonAsync(Stream body, string tenant, MetricQueryContract query, QueryResultContract result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(result);
        return JsonResultWriter.WriteAsync(body, tenant, query.From, query.To, result.Version, result.ToResult(), ct);
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
}
