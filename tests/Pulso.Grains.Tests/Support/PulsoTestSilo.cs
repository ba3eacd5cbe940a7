using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.TestingHost;
using Pulso.Grains.Alerts;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Tests.Support;

/// <summary>
/// What the test cluster shares across its silos, as a real deployment shares Redis: one metric journal and one
/// grain store, both outliving any silo that is killed. The journal is counted so tests can see what was written.
/// </summary>
internal static class SharedStores
{
    public static CountingMetricJournal Journal { get; } = new(new MemoryMetricJournal());

    /// <summary>The key every silo seals source secrets with (a real deployment configures one for all silos).</summary>
    public const string SecretKey = "cHVsc28tdGVzdHMtc291cmNlLXNlY3JldC1rZXktMzI=";

    public static Pulso.Grains.Sources.SourceSecrets Secrets { get; } = new(new Pulso.Grains.Sources.SourceOptions { SecretKey = SecretKey });
}

/// <summary>
/// Each test silo: grain storage "pulso" with the Orleans binary serializer, the shared journal, in-memory
/// reminders, and membership timings cut so that a killed silo is declared dead within a few seconds.
/// </summary>
public sealed class PulsoTestSilo : ISiloConfigurator
{
    /// <summary>The storage provider name the grains use (as <c>SiloExtensions.StorageName</c>).</summary>
    public const string StorageName = "pulso";

    public void Configure(ISiloBuilder siloBuilder)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        siloBuilder.Services.AddSingleton<IMetricJournal>(SharedStores.Journal);
        siloBuilder.Services.AddSingleton(SharedStores.Secrets);
        siloBuilder.Services.AddGrainStorage(StorageName, static (services, _) => new SharedGrainStorage(
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            services.GetRequiredService<IActivatorProvider>()));
        siloBuilder.UseInMemoryReminderService();
        siloBuilder.Services.AddPulsoAlerts(new ConfigurationBuilder().AddInMemoryCollection(AlertSettings()).Build());
        // As the real silo: grain calls join the caller's trace (spans exist only while something listens).
        siloBuilder.AddActivityPropagation();
        siloBuilder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        });
        siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }

    /// <summary>Alerts mail through the shared local receiver; retries and coalescing cut short for tests.</summary>
    private static Dictionary<string, string?> AlertSettings() => new()
    {
        ["Pulso:Alerts:SendGrid:ApiKey"] = SendGridKey,
        ["Pulso:Alerts:SendGrid:Host"] = AlertReceiver.SharedAsync().GetAwaiter().GetResult().BaseUrl,
        ["Pulso:Alerts:SendGrid:From"] = "alerts@pulso.test",
        ["Pulso:Alerts:DashboardUrl"] = "https://pulso.test/dashboard?tenant={tenant}",
        ["Pulso:Alerts:CoalesceMilliseconds"] = "50",
        ["Pulso:Alerts:RetryBaseMilliseconds"] = "200",
        ["Pulso:Alerts:RetryMaxSeconds"] = "1",
        ["Pulso:Alerts:DeliveryTimeoutSeconds"] = "5",
    };

    /// <summary>The SendGrid API key the test silos send.</summary>
    public const string SendGridKey = "SG.pulso-tests-key";
}

/// <summary>The test client: a call to a silo that died fails within seconds instead of the default half minute.</summary>
public sealed class PulsoTestClient : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        ArgumentNullException.ThrowIfNull(clientBuilder);
        clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }
}
