using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pulso.Gateway.Tests.Support;

/// <summary>
/// The silo with its gateway behind a real Kestrel (WebSockets for the hub), a 100 ms coalescing window, and every
/// log line at every level recorded (so a test can look for secrets in them). Given a cluster id, it joins an
/// AdoNet cluster on the test PostgreSQL with Redis storage, so two of them are two gateways of one cluster.
/// </summary>
public class LiveFactory : GatewayFactory
{
    public const int CoalesceMilliseconds = 100;
    private readonly string? _clusterId;

    public LiveFactory()
        : this(null)
    {
    }

    protected LiveFactory(string? clusterId)
    {
        _clusterId = clusterId;
        UseKestrel();
    }

    /// <summary>Every message logged, formatted.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public Uri Address
    {
        get
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }
    }

    public override HttpClient Anonymous() => new() { BaseAddress = Address };

    /// <summary>A second gateway (and silo) of the same cluster as <paramref name="clusterId"/>.</summary>
    public static LiveFactory InCluster(string clusterId) => new(clusterId);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Pulso:Live:CoalesceMilliseconds", CoalesceMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Trace");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Trace");
        if (_clusterId is not null)
        {
            builder.UseSetting("Pulso:Cluster:Provider", "AdoNet");
            builder.UseSetting("Pulso:Cluster:ConnectionString", TestServers.Postgres);
            builder.UseSetting("Pulso:Cluster:ClusterId", _clusterId);
            builder.UseSetting("Pulso:Storage:Provider", "Redis");
            builder.UseSetting("Pulso:Storage:ConnectionString", TestServers.Redis);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new RecordingProvider(Logs)));
    }

    private sealed class RecordingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

/// <summary>The servers scripts/services.sh started (scripts/test.sh exports their connection strings).</summary>
internal static class TestServers
{
    public static string Postgres => Required("PULSO_TEST_POSTGRES");

    public static string Redis => Required("PULSO_TEST_REDIS");

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run `bash scripts/services.sh start` and `source .scratch/services.env` (scripts/test.sh does both)");
}

[CollectionDefinition(Name)]
public sealed class LiveCollection : ICollectionFixture<LiveFactory>
{
    public const string Name = "gateway with a real Kestrel";
}
