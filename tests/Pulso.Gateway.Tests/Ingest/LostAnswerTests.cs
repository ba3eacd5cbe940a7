using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Pulso.Gateway.Tests.Support;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tests.Ingest;

/// <summary>
/// A push whose call to the ingest grain loses its answer (as one through a gateway silo that stops meanwhile does) or
/// is turned away by a silo that is leaving: the gateway sends the same push again; applied once, answered as applied.
/// </summary>
[Collection(LostAnswerCollection.Name)]
public sealed class LostAnswerTests(LostAnswerFactory factory)
{
    [Fact]
    public async Task AKeyedPushWhoseAnswerIsLostIsSentAgainAppliedOnceAndNotCalledAReplay()
    {
        var tenant = await factory.NewTenantAsync(LostAnswerFilter.LoseFirstAnswer);
        using var client = factory.Client(tenant);
        var rows = Rows.Sample(tenant);

        var response = await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv"), idempotencyKey: "lost-1");

        var (accepted, _) = await Http.Answer(response);
        Assert.Equal(rows.Count, accepted);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(rows.Count, await Http.Total(client, tenant));
        Assert.Equal(2, factory.Filter.Calls(tenant));

        // The client's own replay of the key is still one.
        var again = await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv"), idempotencyKey: "lost-1");
        await Http.Answer(again);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(rows.Count, await Http.Total(client, tenant));
    }

    [Fact]
    public async Task APushWithoutAKeyWhoseAnswerIsLostIsAppliedOnceAndItsRejectsQuarantinedOnce()
    {
        var tenant = await factory.NewTenantAsync(LostAnswerFilter.LoseFirstAnswer);
        using var client = factory.Client(tenant);
        var rows = Rows.Sample(tenant);
        rows.Add(Rows.Gestion(tenant, "2025-02-30 08:00:00", "1", "EJ01", "X", "10", "1"));

        var (accepted, rejected) = await Http.Answer(await Http.Push(client, tenant, Http.Body(Rows.Csv(rows), "text/csv")));

        Assert.Equal(rows.Count - 1, accepted);
        Assert.Equal(1, rejected["fecha_invalida"]);
        Assert.Equal(rows.Count - 1, await Http.Total(client, tenant));
        Assert.Single(await factory.Grains.GetGrain<IIngestGrain>(GrainKeys.Ingest(tenant)).GetRejects(100));
        Assert.Equal(2, factory.Filter.Calls(tenant));
    }

    [Fact]
    public async Task APushTheClusterKeepsTurningAwayAnswers503WithRetryAfterAndAppliesNothing()
    {
        var tenant = await factory.NewTenantAsync(LostAnswerFilter.RefuseAll);
        using var client = factory.Client(tenant);

        var response = await Http.Push(client, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"), idempotencyKey: "refused-1");

        await Http.Problem(response, HttpStatusCode.ServiceUnavailable, "send the push again with the same Idempotency-Key");
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Equal(3, factory.Filter.Calls(tenant));
        Assert.Equal(0, await Http.Total(client, tenant));
    }
}

/// <summary>The co-hosting silo with <see cref="LostAnswerFilter"/> on its grain calls.</summary>
public sealed class LostAnswerFactory : GatewayFactory
{
    public LostAnswerFilter Filter { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IIncomingGrainCallFilter>(Filter));
    }
}

/// <summary>
/// For tenants named after <see cref="LoseFirstAnswer"/>: the first <c>Push</c> of each request runs, then its answer is
/// replaced by a <see cref="TimeoutException"/> (an answer lost on its way back). For <see cref="RefuseAll"/>: every
/// <c>Push</c> is turned away unrun, as a silo that is stopping does.
/// </summary>
public sealed class LostAnswerFilter : IIncomingGrainCallFilter
{
    public const string LoseFirstAnswer = "lostanswer";
    public const string RefuseAll = "refused";
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _pushes = new(StringComparer.Ordinal);

    public int Calls(string tenant) => _calls.GetValueOrDefault(tenant);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.ImplementationMethod.Name != nameof(IIngestGrain.Push) || context.Request.GetArgument(0) is not IngestPush push)
        {
            await context.Invoke();
            return;
        }

        var tenant = GrainKeys.TenantOf(context.TargetId.Key.ToString()!);
        _calls.AddOrUpdate(tenant, 1, (_, n) => n + 1);
        if (tenant.StartsWith(RefuseAll, StringComparison.Ordinal))
        {
            throw new SiloUnavailableException("refused by the test: the silo is stopping");
        }

        await context.Invoke();
        if (tenant.StartsWith(LoseFirstAnswer, StringComparison.Ordinal) && _pushes.TryAdd(push.PushId ?? string.Empty, true))
        {
            throw new TimeoutException("answer lost by the test");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LostAnswerCollection : ICollectionFixture<LostAnswerFactory>
{
    public const string Name = "lost-answer";
}
