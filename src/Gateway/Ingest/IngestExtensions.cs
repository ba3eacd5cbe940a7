using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pulso.Gateway.Ingest;

/// <summary>Registration of push ingest: its options, validated at start-up, and the per-tenant throttle.</summary>
internal static class IngestExtensions
{
    public static IHostApplicationBuilder AddPulsoIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.Section)
            .Validate(o => o.MaxBodyBytes > 0, $"{IngestOptions.Section}:MaxBodyBytes must be positive")
            .Validate(o => o.MaxRows > 0, $"{IngestOptions.Section}:MaxRows must be positive")
            .Validate(o => o.MaxConcurrentPerTenant > 0, $"{IngestOptions.Section}:MaxConcurrentPerTenant must be positive")
            .Validate(o => o.RetryAfterSeconds > 0, $"{IngestOptions.Section}:RetryAfterSeconds must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<IngestThrottle>();
        return builder;
    }
}
