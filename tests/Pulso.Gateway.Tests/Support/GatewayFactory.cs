using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tests.Support;

/// <summary>
/// The silo program (gateway co-hosted) in memory: its own Orleans ports, memory storage, no demo, a known
/// signing key, and small ingest limits so that the limits can be reached quickly.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    public const long MaxBodyBytes = 8L << 20;
    public const int MaxRows = 5_000;
    public const int MaxConcurrent = 4;
    private const string SigningKey = "gateway-tests-signing-key-of-at-least-32-bytes";

    /// <summary>A retired key still accepted (until 2100).</summary>
    public const string PreviousKey = "gateway-tests-previous-key-still-accepted-for-a-while";

    /// <summary>A retired key whose acceptance has ended.</summary>
    public const string ExpiredKey = "gateway-tests-expired-key-no-longer-accepted-at-all";
    private static readonly string s_run = Guid.NewGuid().ToString("N")[..6];
    private static int s_tenants;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var ports = FreePorts(2);
        builder.UseSetting("Pulso:Cluster:SiloPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Cluster:GatewayPort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Cluster:ClusterId", $"gateway-tests-{ports[0]}");
        builder.UseSetting("Pulso:Storage:Provider", "Memory");
        builder.UseSetting("Pulso:Demo:Enabled", "false");
        builder.UseSetting("Pulso:Auth:Jwt:SigningKey", SigningKey);
        builder.UseSetting("Pulso:Auth:Jwt:PreviousKeys:0:Key", PreviousKey);
        builder.UseSetting("Pulso:Auth:Jwt:PreviousKeys:0:AcceptUntil", "2100-01-01T00:00:00Z");
        builder.UseSetting("Pulso:Auth:Jwt:PreviousKeys:1:Key", ExpiredKey);
        builder.UseSetting("Pulso:Auth:Jwt:PreviousKeys:1:AcceptUntil", "2020-01-01T00:00:00Z");
        builder.UseSetting("Pulso:Ingest:MaxBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Ingest:MaxRows", MaxRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Pulso:Ingest:MaxConcurrentPerTenant", MaxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>A tenant that exists, with a name no other test uses.</summary>
    public async Task<string> NewTenantAsync(string stem)
    {
        var tenant = $"{stem}-{s_run}-{Interlocked.Increment(ref s_tenants)}";
        Assert.True(await Grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).Create(TenantSettings.Default(tenant)));
        return tenant;
    }

    public string Token(string tenant, string role) =>
        AuthExtensions.IssueToken(Services.GetRequiredService<SigningKeyProvider>(), Services.GetRequiredService<IOptions<JwtOptions>>().Value, tenant, role, TimeSpan.FromHours(1));

    /// <summary>A client that sends a bearer token for <paramref name="tenant"/> in <paramref name="role"/>.</summary>
    public HttpClient Client(string tenant, string role = "admin")
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(tenant, role));
        return client;
    }

    /// <summary>
    /// A client without credentials. No redirect handler: it would buffer every request body, and push bodies must
    /// stream (held in flight, or refused at the byte limit before they are all sent).
    /// </summary>
    public virtual HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    internal static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFactory>
{
    public const string Name = "gateway";
}
