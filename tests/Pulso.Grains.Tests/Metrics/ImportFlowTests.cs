using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Metrics;

/// <summary>The path of <c>pulso import</c>: tenant, homologation, day batches by content-derived id, then queries.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ImportFlowTests(GrainClusterFixture fixture)
{
    // Four days with a gap (2026-03-05 has no rows but lies inside the queried range).
    private static readonly DateOnly[] s_days = [new(2026, 3, 2), new(2026, 3, 3), new(2026, 3, 4), new(2026, 3, 6)];

    [Fact]
    public async Task ImportedDaysAnswerExactlyWhatTheEngineComputesInProcess()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        var rows = Gestiones.Generate(seed: 11, count: 6_000, s_days);
        var hash = Gestiones.ContentHash(rows);
        var reference = new ReferenceEngine();
        reference.Add(rows);
        var perDayApplied = s_days.ToDictionary(d => d, _ => 0L);
        foreach (var (chunk, index) in rows.Chunk(1_000).Select((chunk, index) => (chunk, index)))
        {
            foreach (var batch in Gestiones.DayBatches($"g-{hash}-{index}", chunk))
            {
                var result = await Table(tenant, batch.Day).Apply(batch);
                Assert.False(result.Duplicate);
                Assert.Equal(batch.Rows, result.Rows);
                Assert.Equal(++perDayApplied[batch.Day], result.Version);
            }
        }

        // Jornadas for every ejecutivo but the last, so that horas_trabajadas is null for some groups.
        foreach (var day in s_days)
        {
            var hours = Enumerable.Range(0, 5).Select(e => (Ejecutivo: Gestiones.Ejecutivo(e), HorasCents: 600L + (e * 75) + day.Day)).ToList();
            await Table(tenant, day).Apply(Gestiones.Jornadas($"j-{hash}", day, hours));
            hours.ForEach(h => reference.SetJornada(day, h.Ejecutivo, h.HorasCents));
            perDayApplied[day]++;
        }

        // A table's version counts the batches it applied; a range's version adds up its days'.
        foreach (var day in s_days)
        {
            Assert.Equal(perDayApplied[day], await Table(tenant, day).GetVersion());
        }

        var first = s_days[0];
        var last = s_days[^1];
        (string What, MetricQueryContract Query)[] cases =
        [
            ("by ejecutivo and dia", Queries.Of(first, last, ["ejecutivo", "dia"])),
            ("by ejecutivo and dia, tenant metrics too", Queries.Of(first, last, ["ejecutivo", "dia"], Queries.AllMetrics)),
            ("by canal across days", Queries.Of(first, last, ["canal"], Queries.AllMetrics)),
            ("no grouping across days", Queries.Of(first, last, [], Queries.AllMetrics)),
            ("by categoria and tramo_mora across days, LLAMADA and SMS only", Queries.Of(first, last, ["categoria", "tramo_mora"], Queries.AllMetrics, new() { ["canal"] = ["LLAMADA", "SMS"] })),
            ("one day by hora", Queries.Of(s_days[1], s_days[1], ["hora"], Queries.AllMetrics)),
        ];
        foreach (var (what, query) in cases)
        {
            var actual = await Query(tenant, query);
            Figures.Equal(reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics), actual, what);
            Assert.Equal(s_days.Where(d => d >= query.From && d <= query.To).Sum(d => perDayApplied[d]), actual.Version);
        }

        // The headline figures, counted here without the engine.
        var totals = await Query(tenant, Queries.Of(first, last, []));
        Assert.Equal(rows.Count, Figures.Total(totals, "total_gestiones"));
        Assert.Equal(rows.Sum(r => r.SaldoCents), Figures.Total(totals, "saldo_total"));
        Assert.Equal(rows.Select(r => r.Documento).Distinct().Count(), Figures.Total(totals, "deudores_unicos"));
        var contacto = Tenants.Homologation.ToDictionary(r => r.Tipificacion, r => r.EsContacto);
        Assert.Equal(rows.Count(r => contacto.GetValueOrDefault(r.Tipificacion.Trim().ToUpperInvariant())), Figures.Total(totals, "contactos"));

        // Debtors seen on several days count once across days, once per day when grouped by dia.
        var byDay = await Query(tenant, Queries.Of(first, last, ["dia"]));
        var perDay = Figures.ByGroup(byDay, "deudores_unicos");
        Assert.Equal(s_days.Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), perDay.Keys);
        Assert.True(perDay.Values.Sum() > Figures.Total(totals, "deudores_unicos"));
    }

    private IMetricTableGrain Table(string tenant, DateOnly day) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, day));

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
}
