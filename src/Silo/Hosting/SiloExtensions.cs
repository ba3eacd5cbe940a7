using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using Pulso.Gateway.Auth;
using Pulso.Grains.Alerts;
using Pulso.Grains.Abstractions.Clustering;
using Pulso.Grains.Persistence;
using Pulso.Grains.Observability;
using Pulso.Grains.Sources;
using Pulso.Silo.Clustering;
using Pulso.Silo.Observability;
using StackExchange.Redis;

namespace Pulso.Silo.Hosting;

/// <summary>The cluster node: clustering, grain storage, metric journals and reminders from <c>Pulso:*</c> configuration.</summary>
public static class SiloExtensions
{
    /// <summary>The grain storage provider name the grains use.</summary>
    public const string StorageName = "pulso";

    public static IHostApplicationBuilder AddPulsoSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cluster = builder.Configuration.GetSection(PulsoClusterOptions.Section).Get<PulsoClusterOptions>() ?? new PulsoClusterOptions();
        var storage = builder.Configuration.GetSection(PulsoStorageOptions.Section).Get<PulsoStorageOptions>() ?? new PulsoStorageOptions();
        Validate(builder.Configuration, cluster, storage);
        builder.Services.AddOptions<PulsoClusterOptions>().BindConfiguration(PulsoClusterOptions.Section);
        builder.Services.AddOptions<PulsoStorageOptions>().BindConfiguration(PulsoStorageOptions.Section);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(cluster.ShutdownTimeoutSeconds));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddPulsoAlerts(builder.Configuration);
        builder.Services.AddHostedService<OrleansActivationMetrics>();
        // Memory storage forgets every source at exit anyway: a key made at start-up will do there, and only there.
        builder.Services.AddOptions<SourceOptions>().BindConfiguration(SourceOptions.Section).PostConfigure(o => o.AllowGeneratedKey = !storage.IsRedis);
        builder.Services.AddSingleton(sp => new SourceSecrets(sp.GetRequiredService<IOptions<SourceOptions>>().Value));

        // Grain turns await Redis and PostgreSQL; on a one- or two-core node the default minimum of one worker per
        // core makes bursts of activations queue behind the pool's slow thread injection.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));

        if (cluster.IsAdoNet)
        {
            // Registered before Orleans so the membership schema exists when the silo joins.
            builder.Services.AddHostedService(sp => new MembershipSchemaInitializer(cluster.ConnectionString!, sp.GetRequiredService<ILogger<MembershipSchemaInitializer>>()));
        }

        if (storage.IsRedis)
        {
            var redis = ConfigurationOptions.Parse(storage.ConnectionString!);
            builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));

            // Connect at start-up, on the host's thread: created lazily, the synchronous connect ran inside the
            // first grain activations and starved the thread pool of a small silo for seconds.
            builder.Services.AddHostedService(sp => new RedisWarmUp(sp.GetRequiredService<IConnectionMultiplexer>()));
            // Journals of different services sharing one Redis never mix: the service id is part of every key.
            builder.Services.AddSingleton<IMetricJournal>(sp => new RedisMetricJournal(sp.GetRequiredService<IConnectionMultiplexer>(), $"pulso:{cluster.ServiceId}:journal:"));
        }
        else
        {
            builder.Services.AddSingleton<IMetricJournal, MemoryMetricJournal>();
        }

        builder.UseOrleans(silo =>
        {
            if (cluster.IsAdoNet)
            {
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
                var advertised = cluster.AdvertisedIPAddress is { Length: > 0 } ip ? IPAddress.Parse(ip) : null;
                silo.ConfigureEndpoints(advertised ?? IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: advertised is not null);
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            }

            // Grain calls join the trace of the request (or poll) that made them; spans are recorded only when tracing is on.
            silo.AddActivityPropagation();
            silo.AddIncomingGrainCallFilter<TenantScopeFilter>();
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds);
                o.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
            });
            silo.ConfigurePulsoMessaging(cluster);

            if (storage.IsRedis)
            {
                var redis = ConfigurationOptions.Parse(storage.ConnectionString!);
                silo.AddRedisGrainStorage(StorageName, o => o.ConfigurationOptions = redis);
                silo.Services.AddOptions<RedisStorageOptions>(StorageName)
                    .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
            }
            else
            {
                silo.AddMemoryGrainStorage(StorageName);
                silo.Services.AddOptions<MemoryGrainStorageOptions>(StorageName)
                    .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
                silo.UseInMemoryReminderService();
            }
        });

        return builder;
    }

    /// <summary>
    /// Grain call timeouts and the order of a graceful shutdown. Orleans' defaults have a silo that is stopping tell
    /// the Orleans clients connected to it (standalone gateways) to send elsewhere and then, at once, deactivate its
    /// grains and close. A request a client sent through it a moment earlier was given the silo as its way back, so its
    /// answer, coming from a grain that was still busy or that moved to another silo, finds the silo gone and is
    /// dropped; and an Orleans client does not fail the calls of a gateway connection that closes: the push waited out
    /// the whole response timeout (30 s by default). So the silo keeps serving for <c>ClientDrainSeconds</c> after that
    /// notice (the requests in flight through it are answered while it is whole), and a call whose answer is lost
    /// anyway fails after <c>ResponseTimeoutSeconds</c>, for the push path to retry.
    /// </summary>
    public static ISiloBuilder ConfigurePulsoMessaging(this ISiloBuilder silo, PulsoClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(cluster);
        return silo.Configure<SiloMessagingOptions>(o =>
        {
            o.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds);
            o.ClientGatewayShutdownNotificationTimeout = TimeSpan.FromSeconds(cluster.ClientDrainSeconds);
        });
    }

    /// <summary>Start-up checks that name the missing key; a cluster never runs on a throw-away signing key.</summary>
    private static void Validate(IConfiguration configuration, PulsoClusterOptions cluster, PulsoStorageOptions storage)
    {
        var problems = new List<string>(cluster.Problems());
        if (!storage.IsRedis && !string.Equals(storage.Provider, "Memory", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{PulsoStorageOptions.Section}:Provider must be Memory or Redis, not '{storage.Provider}'");
        }

        if (storage.IsRedis && string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            problems.Add($"{PulsoStorageOptions.Section}:ConnectionString is required with Provider Redis");
        }

        var sources = configuration.GetSection(SourceOptions.Section).Get<SourceOptions>() ?? new SourceOptions();
        problems.AddRange(sources.Problems());

        var jwt = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        if ((cluster.IsAdoNet || storage.IsRedis) && !jwt.HasConfiguredKeys)
        {
            problems.Add($"{JwtOptions.Section}:SigningKey (or {JwtOptions.Section}:Authority) is required when clustering is AdoNet or storage is Redis");
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException("Pulso", typeof(PulsoClusterOptions), problems);
        }
    }
}

/// <summary>Resolves the Redis connection while the host starts (its constructor argument does the work).</summary>
internal sealed class RedisWarmUp(IConnectionMultiplexer connection) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        connection.IsConnected ? Task.CompletedTask : throw new InvalidOperationException($"Redis is not reachable ({connection.GetStatus()})");

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Applies the project's PostgreSQL membership schema before the silo joins.</summary>
internal sealed class MembershipSchemaInitializer(string connectionString, ILogger<MembershipSchemaInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => PostgresMembershipSchema.EnsureAsync(connectionString, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
