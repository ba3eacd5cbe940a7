using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>
/// The query worker keeps answers while the days behind them keep their versions; every change must still show in
/// the very next answer.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RepeatedQueryTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly[] s_days = [new(2026, 7, 1), new(2026, 7, 2), new(2026, 7, 3)];

    private static readonly (string What, MetricQueryContract Query)[] s_queries =
    [
        ("range by ejecutivo and dia (day by day)", Queries.Of(s_days[0], s_days[^1], ["ejecutivo", "dia"], Queries.AllMetrics)),
        ("range by canal (days evaluated together)", Queries.Of(s_days[0], s_days[^1], ["canal"], Queries.AllMetrics)),
        ("the middle day by ejecutivo", Queries.Of(s_days[1], s_days[1], ["ejecutivo"], Queries.AllMetrics)),
    ];

    [Fact]
    public async Task ABatchAppliedAfterAnAnswerShowsInTheNextOne()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var reference = new ReferenceEngine();
        await ApplyAsync(tenant, reference, "first", Gestiones.Generate(seed: 51, count: 3_000, s_days));
        foreach (var (what, query) in s_queries)
        {
            var first = await Query(tenant, query);
            var again = await Query(tenant, query);
            Figures.Equal(reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics), again, $"{what}, asked again");
            Assert.Equal(first.Version, again.Version);
        }

        // More rows for the middle day only: every query covering it answers with them at once.
        await ApplyAsync(tenant, reference, "second", Gestiones.Generate(seed: 52, count: 500, [s_days[1]]));
        foreach (var (what, query) in s_queries)
        {
            var before = reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics);
            var after = await Query(tenant, query);
            Figures.Equal(before, after, $"{what}, after a batch on {s_days[1]:yyyy-MM-dd}");
        }
    }

    [Fact]
    public async Task ChangedTenantMetricsShowInTheNextAnswer()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var reference = new ReferenceEngine();
        await ApplyAsync(tenant, reference, "rows", Gestiones.Generate(seed: 53, count: 2_000, s_days));
        var query = s_queries[0].Query;
        Figures.Equal(reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics), await Query(tenant, query), "with the first metrics");

        // Same names, other definitions: the same query now means something else.
        IReadOnlyList<MetricDefinitionContract> changed =
        [
            .. Tenants.Metrics.Where(m => m.Name is not ("promesas_sms" or "deudores_contactados")),
            new("promesas_sms", "count", WhereCategoria: ["PROMESA_PAGO"], WhereCanal: ["WHATSAPP"]),
            new("deudores_contactados", "distinct", WhereCategoria: ["CONTACTO_DIRECTO"], Field: "documento"),
        ];
        var grain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        Assert.Empty(await grain.UpdateSettings(TenantSettings.Default(tenant) with { Metrics = changed }));

        Figures.Equal(reference.Evaluate(query, Tenants.Homologation, changed), await Query(tenant, query), "with the changed metrics");
    }

    [Fact]
    public async Task IdenticalQueriesAskedTogetherAllGetTheFigures()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var reference = new ReferenceEngine();
        await ApplyAsync(tenant, reference, "rows", Gestiones.Generate(seed: 54, count: 2_000, s_days));
        foreach (var (what, query) in s_queries)
        {
            var expected = reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics);
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Query(tenant, query)));
            Assert.All(answers, a => Figures.Equal(expected, a, $"{what}, asked 16 times at once"));
        }
    }

    private async Task ApplyAsync(string tenant, ReferenceEngine reference, string batchId, List<GestionRow> rows)
    {
        foreach (var batch in Gestiones.DayBatches($"{batchId}-{Gestiones.ContentHash(rows)}", rows))
        {
            Assert.False((await fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, batch.Day)).Apply(batch)).Duplicate);
        }

        reference.Add(rows);
    }

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
