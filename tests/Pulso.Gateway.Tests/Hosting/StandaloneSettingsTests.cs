using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pulso.Gateway.Hosting;

namespace Pulso.Gateway.Tests.Hosting;

/// <summary>The standalone gateway's start-up checks: the silos' keys, the silos' rule on signing keys.</summary>
public sealed class StandaloneSettingsTests
{
    private const string Postgres = "Host=127.0.0.1;Port=1;Username=postgres;Database=pulso";

    [Fact]
    public void AdoNetClusteringWithoutASigningKeyOrAuthorityIsRefused()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Configure(new()
        {
            ["Pulso:Cluster:Provider"] = "AdoNet",
            ["Pulso:Cluster:ConnectionString"] = Postgres,
        }));

        Assert.Contains("Pulso:Auth:Jwt:SigningKey (or Pulso:Auth:Jwt:Authority) is required when clustering is AdoNet", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsNamedByItsKey()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Configure(new() { ["Pulso:Cluster:Provider"] = "AdoNet" }));
        Assert.Contains("Pulso:Cluster:ConnectionString is required with Provider AdoNet", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Pulso:Auth:Jwt:SigningKey", refused.Message, StringComparison.Ordinal);

        refused = Assert.Throws<OptionsValidationException>(() => Configure(new() { ["Pulso:Cluster:Provider"] = "Consul" }));
        Assert.Contains("Pulso:Cluster:Provider must be Localhost or AdoNet, not 'Consul'", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Pulso:Auth:Jwt:SigningKey", "a-signing-key-of-at-least-32-bytes-long")]
    [InlineData("Pulso:Auth:Jwt:Authority", "https://login.example.com/realms/pulso")]
    public void AdoNetClusteringWithTheSilosKeysIsAccepted(string key, string value)
    {
        var builder = Configure(new()
        {
            ["Pulso:Cluster:Provider"] = "AdoNet",
            ["Pulso:Cluster:ConnectionString"] = Postgres,
            [key] = value,
        });

        Assert.NotNull(builder);
    }

    [Fact]
    public void LocalhostClusteringNeedsNoConfiguration() => Assert.NotNull(Configure([]));

    private static HostApplicationBuilder Configure(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPulsoClusterClient();
        return builder;
    }
}
