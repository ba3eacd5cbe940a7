using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Pulso.Grains.Abstractions.Clustering;
using Pulso.Silo.Hosting;

namespace Pulso.Cluster.Tests.Support;

/// <summary>
/// One silo in a generic host of its own, clustered through ADO.NET on the test PostgreSQL,
/// on loopback ports nobody else uses. Membership timings are cut from tens of seconds to
/// about a second so that joins and departures show within a test's patience.
/// </summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host, int siloPort, int gatewayPort)
    {
        _host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public const string ServiceId = "pulso-cluster-tests";

    public int SiloPort { get; }

    /// <summary>The port Orleans clients connect to.</summary>
    public int GatewayPort { get; }

    public SiloAddress Address => _host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <summary>Grain calls made from this silo (a grain with local placement is activated here).</summary>
    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// A silo; with <paramref name="messaging"/>, its grain call timeouts and shutdown order as Pulso's silos have them
    /// (<see cref="SiloExtensions.ConfigurePulsoMessaging"/>), else Orleans' defaults.
    /// </summary>
    public static async Task<TestSilo> StartAsync(string connectionString, string clusterId, PulsoClusterOptions? messaging = null)
    {
        var ports = FreePorts.Take(2);
        var host = Host.CreateDefaultBuilder()
            // The referenced silo project copies its appsettings.json next to the tests; these
            // silos take nothing from it and are configured here alone.
            .ConfigureAppConfiguration(config => config.Sources.Clear())
            .UseOrleans(silo => silo
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = ServiceId;
                })
                .ConfigureEndpoints(IPAddress.Loopback, ports[0], ports[1])
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                })
                .Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                    o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                    o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                    o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
                    o.MaxJoinAttemptTime = TimeSpan.FromSeconds(20);
                })
                .ConfigurePulsoMessagingIf(messaging))
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync();
        return new TestSilo(host, ports[0], ports[1]);
    }

    /// <summary>The silos this silo considers active, as the management grain reports them.</summary>
    public async Task<IReadOnlyCollection<SiloAddress>> ActiveSilosAsync()
    {
        var management = _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        return hosts.Keys;
    }

    /// <summary>A graceful shutdown: the silo marks itself dead in the table before it leaves.</summary>
    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _stopped = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await StopAsync();
        }

        _host.Dispose();
    }
}

internal static class TestSiloBuilderExtensions
{
    public static ISiloBuilder ConfigurePulsoMessagingIf(this ISiloBuilder silo, PulsoClusterOptions? messaging) =>
        messaging is null ? silo : silo.ConfigurePulsoMessaging(messaging);
}
