using Microsoft.Extensions.Options;
using Pulso.Gateway.Auth;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Sources;
using Pulso.Silo.Hosting;

namespace Pulso.Silo.Demo;

public static class DemoExtensions
{
    public const string Tenant = "demo";

    public static IHostApplicationBuilder AddPulsoDemo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PulsoDemoOptions>().BindConfiguration(PulsoDemoOptions.Section);
        builder.Services.AddHostedService<DemoFeeder>();
        return builder;
    }

    /// <summary>The demo's routes: the dashboard's self sign-in of the embedded default (see <see cref="DevSignIn"/>).</summary>
    public static WebApplication MapPulsoDemo(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapDevSignIn();
    }
}

/// <summary>
/// Announces how to reach the system (storage warning, development token) and, when the demo is on,
/// creates the <c>demo</c> tenant and starts its simulator source (a source grain, like any other).
/// </summary>
internal sealed partial class DemoFeeder(
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<PulsoDemoOptions> demo,
    IOptions<PulsoStorageOptions> storage,
    IOptions<JwtOptions> jwt,
    SigningKeyProvider keys,
    ILogger<DemoFeeder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        if (!storage.Value.IsRedis)
        {
            LogMemoryStorage(logger);
        }

        if (!demo.Value.Enabled)
        {
            return;
        }

        // One line a shell can pick up: eval "$(... | grep ^PULSO_DEV_TOKEN=)"
        Console.WriteLine($"PULSO_DEV_TOKEN={AuthExtensions.IssueToken(keys, jwt.Value, DemoExtensions.Tenant, "admin", TimeSpan.FromDays(7))}");
        if (keys.IsGenerated)
        {
            LogGeneratedKey(logger);
        }

        var tenant = grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(DemoExtensions.Tenant));
        await tenant.Create(new TenantSettings("Demo Cobranzas", "America/Lima", 90, []));
        await tenant.SetHomologation(GestionSimulator.Homologation);
        var source = grains.GetGrain<ISourceGrain>(GrainKeys.Source(DemoExtensions.Tenant, "simulador"));
        var problems = await source.Configure(new SourceConfig("simulator", null, Math.Max(0.2, demo.Value.IntervalSeconds)));
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"demo source: {string.Join("; ", problems)}");
        }

        await source.Start();
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStart = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStop = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "STORAGE IS IN MEMORY: every figure is lost when this process stops. Set Pulso:Storage:Provider=Redis for durable state.")]
    private static partial void LogMemoryStorage(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Pulso:Auth:Jwt:SigningKey configured: tokens are signed with a key generated at start-up and stop working when the process restarts.")]
    private static partial void LogGeneratedKey(ILogger logger);

}
