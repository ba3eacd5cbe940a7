using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Pulso.Gateway.Tests.Support;
using Pulso.Silo.Demo;

namespace Pulso.Gateway.Tests.Auth;

/// <summary>
/// The dashboard's self sign-in (<c>GET /dev/token</c>): only the embedded default (demo on, signing key generated at
/// start-up) serves it, only to callers on the same machine, and what it hands out is a short-lived admin token of
/// the demo tenant signed with the key in use.
/// </summary>
public sealed class DevSignInTests
{
    [Fact]
    public async Task EmbeddedDefaultHandsOutAShortLivedDemoAdminToken()
    {
        await using var factory = new EmbeddedFactory(demo: true, signingKey: null);
        using var client = factory.CreateClient();

        var response = await client.GetAsync(DevSignIn.Route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.True(response.Headers.CacheControl?.NoStore, "the token must not be cached");
        using var body = JsonDocument.Parse(text);
        var token = new JsonWebToken(body.RootElement.GetProperty("token").GetString());
        Assert.Equal("demo", token.GetClaim("tenant").Value);
        Assert.Equal("admin", token.GetClaim("role").Value);
        Assert.InRange(token.ValidTo, DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.Add(DevSignIn.Lifetime).AddMinutes(1));

        // Signed with the key in use: another tenant's route answers 404 (authenticated), not 401.
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.EncodedToken);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/tenants/otro-cliente")).StatusCode);
    }

    [Theory]
    [InlineData(true, "a-configured-signing-key-of-at-least-32-bytes")]
    [InlineData(false, null)]
    public async Task AConfiguredKeyOrNoDemoMeansNoSuchRoute(bool demo, string? signingKey)
    {
        await using var factory = new EmbeddedFactory(demo, signingKey);
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(DevSignIn.Route)).StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("192.168.0.20", false)]
    [InlineData("::ffff:172.16.0.4", false)]
    public void OnlyCallersOnThisMachineAreAnswered(string peer, bool answered) =>
        Assert.Equal(answered, DevSignIn.FromThisMachine(IPAddress.Parse(peer)));

    /// <summary>The silo program as the embedded default would run it, with a signing key or without.</summary>
    private sealed class EmbeddedFactory(bool demo, string? signingKey) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var ports = GatewayFactory.FreePorts(2);
            builder.UseSetting("Pulso:Cluster:SiloPort", ports[0].ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Pulso:Cluster:GatewayPort", ports[1].ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Pulso:Cluster:ClusterId", $"dev-sign-in-{ports[0]}");
            builder.UseSetting("Pulso:Storage:Provider", "Memory");
            builder.UseSetting("Pulso:Demo:Enabled", demo ? "true" : "false");
            builder.UseSetting("Pulso:Demo:IntervalSeconds", "3600");
            if (signingKey is not null)
            {
                builder.UseSetting("Pulso:Auth:Jwt:SigningKey", signingKey);
            }
        }
    }
}
