using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Pulso.Cli.Cluster;

/// <summary>
/// An Orleans client configured from the same keys as the silo (<c>Pulso:Cluster:*</c>, e.g. environment
/// variables <c>Pulso__Cluster__Provider=AdoNet</c>, <c>Pulso__Cluster__ConnectionString=...</c>).
/// </summary>
internal static class ClusterConnection
{
    public static IConfiguration Configuration() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    public static async Task<IHost> ConnectAsync(IConfiguration configuration, CancellationToken ct)
    {
        var section = configuration.GetSection("Pulso:Cluster");
        var provider = section["Provider"] ?? "Localhost";
        var clusterId = section["ClusterId"] ?? "pulso";
        var serviceId = section["ServiceId"] ?? "pulso";
        var gatewayPort = int.TryParse(section["GatewayPort"], out var port) ? port : 30000;
        var responseTimeout = double.TryParse(configuration["Pulso:Client:ResponseTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : 30;
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(client =>
            {
                // A call to a silo that died mid-call fails after this long and is retried elsewhere.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(responseTimeout));
                if (string.Equals(provider, "AdoNet", StringComparison.OrdinalIgnoreCase))
                {
                    var connectionString = section["ConnectionString"]
                        ?? throw new InvalidOperationException("Pulso:Cluster:ConnectionString is required with Provider AdoNet");
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = connectionString;
                    });
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = clusterId;
                        o.ServiceId = serviceId;
                    });
                }
                else
                {
                    client.UseLocalhostClustering(gatewayPort, serviceId, clusterId);
                }
            })
            .Build();
        await host.StartAsync(ct);
        return host;
    }

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();
}
