using System.Diagnostics;

namespace Pulso.Grains.Observability;

/// <summary>
/// Pulso's own spans (work no request begins, such as a source's poll) and the names shared by every span: grain
/// calls are traced by Orleans' activity propagation, requests by ASP.NET Core's instrumentation.
/// </summary>
public static class PulsoTracing
{
    public const string SourceName = "Pulso";

    /// <summary>The tenant a span works for.</summary>
    public const string TenantTag = "pulso.tenant";

    public static readonly ActivitySource Source = new(SourceName);
}
