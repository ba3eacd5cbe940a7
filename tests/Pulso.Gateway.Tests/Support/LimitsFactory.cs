using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Pulso.Gateway.Tests.Support;

/// <summary>
/// The gateway behind a real Kestrel (its own limits apply, unlike the in-memory test server) with small limits:
/// 5 requests per second per tenant, a 31-day range, 3 groups, 1 MiB bodies outside push ingest.
/// </summary>
public sealed class LimitsFactory : GatewayFactory
{
    public const int PermitsPerSecond = 5;
    public const int MaxRangeDays = 31;
    public const int MaxGroups = 3;
    public const long MaxRequestBodySize = 1L << 20;

    public LimitsFactory()
    {
        UseKestrel();
    }

    /// <summary>A client of the Kestrel address (the in-memory handler is not used with a real server).</summary>
    public override HttpClient Anonymous()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Pulso:RateLimit:PermitsPerSecond", PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:RateLimit:Burst", PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Query:MaxRangeDays", MaxRangeDays.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Query:MaxGroups", MaxGroups.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Kestrel:Limits:MaxRequestBodySize", MaxRequestBodySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

[CollectionDefinition(Name)]
public sealed class LimitsCollection : ICollectionFixture<LimitsFactory>
{
    public const string Name = "gateway with small limits";
}
