using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Tests.Support;

internal static class Queries
{
    /// <summary>Every built-in metric followed by the tenant metrics of <see cref="Tenants.Metrics"/>.</summary>
    public static readonly string[] AllMetrics = [.. MetricCatalog.BuiltinNames, .. Tenants.Metrics.Select(m => m.Name)];

    public static MetricQueryContract Of(DateOnly from, DateOnly to, string[] groupBy, string[]? metrics = null, Dictionary<string, string[]>? filters = null) =>
        new(from, to, groupBy, metrics ?? [], filters ?? []);
}
