using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pulso.Gateway.Live;

public static class LiveExtensions
{
    public static IHostApplicationBuilder AddPulsoLive(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section)
            .Validate(o => o.CoalesceMilliseconds is >= 10 and <= 60_000, $"{LiveOptions.Section}:CoalesceMilliseconds must be 10..60000")
            .Validate(o => o.RenewMilliseconds is >= 100 and <= 2_000, $"{LiveOptions.Section}:RenewMilliseconds must be 100..2000 (feeds expire silent gateways after 8 s)")
            .Validate(o => o.MaxSubscriptionsPerConnection > 0, $"{LiveOptions.Section}:MaxSubscriptionsPerConnection must be positive")
            .ValidateOnStart();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        return builder;
    }
}
