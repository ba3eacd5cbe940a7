using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Configuration;
using Orleans.Placement;
using Pulso.Cluster.Tests.Support;
using Pulso.Grains.Abstractions.Clustering;

namespace Pulso.Cluster.Tests.Clustering;

/// <summary>
/// An Orleans client (the standalone gateway) calls a grain on one silo through another silo, its gateway; the answer
/// comes back the way the request went. The gateway silo is stopped gracefully while the calls are in flight, as a
/// rolling restart does. Orleans' defaults lose those answers (the silo tells its clients to go elsewhere and closes at
/// once; the grain's silo finds it gone and drops the answer; the client waits out its response timeout, 30 s by
/// default): a push through the standalone gateway once hung that long. Pulso's silos drain their clients first
/// (<c>Pulso:Cluster:ClientDrainSeconds</c>).
/// </summary>
public sealed class GatewayDrainTests(MembershipSchemaFixture schema) : IClassFixture<MembershipSchemaFixture>
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallsInFlightThroughAStoppingGatewaySiloAreAnsweredWhileItDrainsItsClients()
    {
        var settings = new PulsoClusterOptions { ClientDrainSeconds = 3, ResponseTimeoutSeconds = 30 };
        await using var run = await Run.StartAsync(schema.ConnectionString, settings, clientResponseTimeout: TimeSpan.FromSeconds(30));

        // The calls' work ends a second into the gateway silo's shutdown: an undrained silo is gone by then, a drained
        // one is still whole. A lost answer would end the call with a TimeoutException (after 30 s), not an answer.
        var calls = await run.CallAsync(4);
        var stopping = run.Gateway.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(stopping.IsCompleted, "the gateway silo is still draining its clients");
        run.Release();

        var answers = await Task.WhenAll(calls);
        Assert.All(answers, silo => Assert.Equal(run.Worker.Address.ToString(), silo));
        await stopping;
    }

    [Fact]
    public async Task WithoutADrainTheAnswerToACallThroughAStoppedGatewaySiloIsLostUntilTheResponseTimeout()
    {
        // Orleans' own shutdown order: what the drain is there for (should Orleans change it, this test says so).
        await using var run = await Run.StartAsync(schema.ConnectionString, settings: null, clientResponseTimeout: TimeSpan.FromSeconds(3));

        var calls = await run.CallAsync(2);
        await run.Gateway.StopAsync();
        run.Release();

        // The grain answered, but through a silo that had gone: only the client's response timeout ends the calls.
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => call);
        }
    }

    /// <summary>Two silos (a worker holding the grain, a gateway) and a client that knows only the gateway.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly Guid _key = Guid.NewGuid();
        private readonly IHost _client;

        private Run(TestSilo worker, TestSilo gateway, IHost client)
        {
            Worker = worker;
            Gateway = gateway;
            _client = client;
        }

        public TestSilo Worker { get; }

        public TestSilo Gateway { get; }

        public static async Task<Run> StartAsync(string connectionString, PulsoClusterOptions? settings, TimeSpan clientResponseTimeout)
        {
            var clusterId = $"drain-{Guid.NewGuid():N}";
            var worker = await TestSilo.StartAsync(connectionString, clusterId, settings);
            var gateway = await TestSilo.StartAsync(connectionString, clusterId, settings);
            await Eventually.MatchesAsync(worker.ActiveSilosAsync, silos => silos.Count == 2, s_patience, "the worker sees two active silos");
            await Eventually.MatchesAsync(gateway.ActiveSilosAsync, silos => silos.Count == 2, s_patience, "the gateway sees two active silos");

            // Only the gateway silo is the client's way in: the worker has no connection of its own to the client.
            var client = Host.CreateDefaultBuilder()
                .ConfigureAppConfiguration(config => config.Sources.Clear())
                .UseOrleansClient(c => c
                    .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway.GatewayPort))
                    .Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = clusterId;
                        o.ServiceId = TestSilo.ServiceId;
                    })
                    .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = clientResponseTimeout))
                .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
                .Build();
            await client.StartAsync();
            var run = new Run(worker, gateway, client);

            // Activated on the worker (local placement, called from there), not on the gateway silo.
            var home = await worker.GrainFactory.GetGrain<IHeldGrain>(run._key).Where();
            Assert.Equal(worker.Address.ToString(), home);
            return run;
        }

        /// <summary><paramref name="count"/> calls from the client, once the grain holds them all (until <see cref="Release"/>).</summary>
        public async Task<List<Task<string>>> CallAsync(int count)
        {
            var grain = _client.Services.GetRequiredService<IClusterClient>().GetGrain<IHeldGrain>(_key);
            List<Task<string>> calls = [.. Enumerable.Range(0, count).Select(_ => grain.Hold())];
            for (var i = 0; i < count; i++)
            {
                Assert.True(await HeldGrain.Arrivals(_key).WaitAsync(s_patience), $"call {i + 1} of {count} reached the grain");
            }

            return calls;
        }

        public void Release() => HeldGrain.Release(_key);

        public async ValueTask DisposeAsync()
        {
            Release();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                await _client.StopAsync(timeout.Token);
            }

            _client.Dispose();
            await Gateway.DisposeAsync();
            await Worker.DisposeAsync();
        }
    }
}

public interface IHeldGrain : IGrainWithGuidKey
{
    /// <summary>The silo the grain lives on.</summary>
    Task<string> Where();

    /// <summary>Answers (the silo) once the test releases the grain's key.</summary>
    Task<string> Hold();
}

[PreferLocalPlacement, Reentrant]
public sealed class HeldGrain : Grain, IHeldGrain
{
    private static readonly ConcurrentDictionary<Guid, TaskCompletionSource> s_gates = new();
    private static readonly ConcurrentDictionary<Guid, SemaphoreSlim> s_arrivals = new();

    public static void Release(Guid key) => Gate(key).TrySetResult();

    /// <summary>Released once per call of <see cref="Hold"/> that the grain has received.</summary>
    public static SemaphoreSlim Arrivals(Guid key) => s_arrivals.GetOrAdd(key, _ => new SemaphoreSlim(0));

    public Task<string> Where() => Task.FromResult(RuntimeIdentity);

    public async Task<string> Hold()
    {
        Arrivals(this.GetPrimaryKey()).Release();
        await Gate(this.GetPrimaryKey()).Task.WaitAsync(TimeSpan.FromSeconds(60));
        return RuntimeIdentity;
    }

    private static TaskCompletionSource Gate(Guid key) => s_gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
