using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Tenancy;

/// <summary>Tables keep raw tipificaciones; the tenant's homologation is applied when a query runs (DESIGN 2.3).</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RehomologationTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly[] s_days = [new(2026, 6, 1), new(2026, 6, 2)];

    [Fact]
    public async Task ChangingTheHomologationChangesFiguresAtOnceWithoutReapplyingAnything()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var rows = Gestiones.Generate(seed: 41, count: 2_000, s_days);
        foreach (var batch in Gestiones.DayBatches("g-rehomologation-0", rows))
        {
            await fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, batch.Day)).Apply(batch);
        }

        var reference = new ReferenceEngine();
        reference.Add(rows);
        var byCategoria = Queries.Of(s_days[0], s_days[^1], ["categoria", "tipificacion"], Queries.AllMetrics);
        var totals = Queries.Of(s_days[0], s_days[^1], [], Queries.AllMetrics);
        var before = await Query(tenant, totals);
        var stored = s_days.Select(d => fixture.Journal.CountsFor(GrainKeys.Day(tenant, d))).ToList();
        var noContesta = rows.Count(r => Normalized(r) == "NO CONTESTA");
        var mensaje = rows.Count(r => Normalized(r) == "MENSAJE DE VOZ");
        Assert.Equal(mensaje, Figures.ByGroup(await Query(tenant, byCategoria), "total_gestiones")["SIN_HOMOLOGAR|MENSAJE DE VOZ"]);

        // "No contesta" becomes a contact; the unmapped "mensaje de voz" gets a category of its own.
        IReadOnlyList<HomologationRuleContract> changed =
        [
            .. Tenants.Homologation.Where(r => r.Tipificacion != "NO CONTESTA"),
            new("no contesta", "CONTACTO_INDIRECTO", EsContacto: true, EsCompromiso: false),
            new("Mensaje de voz", "VOLVER_LLAMAR", EsContacto: false, EsCompromiso: false),
        ];
        Assert.Empty(await fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).SetHomologation(changed));
        var after = await Query(tenant, totals);

        Assert.Equal(Figures.Total(before, "contactos") + noContesta, Figures.Total(after, "contactos"));
        Assert.Equal(Figures.Total(before, "total_gestiones"), Figures.Total(after, "total_gestiones"));
        Assert.Equal(before.Version, after.Version);
        Assert.NotEqual(Figures.Total(before, "tasa_contactabilidad"), Figures.Total(after, "tasa_contactabilidad"));
        Figures.Equal(reference.Evaluate(totals, changed, Tenants.Metrics), after, "totals after the new homologation");
        var groups = await Query(tenant, byCategoria);
        Figures.Equal(reference.Evaluate(byCategoria, changed, Tenants.Metrics), groups, "by categoria after the new homologation");
        Assert.Equal(mensaje, Figures.ByGroup(groups, "total_gestiones")["VOLVER_LLAMAR|MENSAJE DE VOZ"]);
        Assert.DoesNotContain("SIN_HOMOLOGAR", groups.DimensionColumns[0]);
        Assert.Equal(stored, s_days.Select(d => fixture.Journal.CountsFor(GrainKeys.Day(tenant, d))));
    }

    private static string Normalized(GestionRow row) => row.Tipificacion.Trim().ToUpperInvariant();

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
