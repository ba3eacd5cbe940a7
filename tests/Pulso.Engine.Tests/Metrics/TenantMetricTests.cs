using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Metrics;

public sealed class TenantMetricTests
{
    private static readonly HomologationTable s_mapping = TheEngine.StandardMapping();

    [Fact]
    public void CountSumAndDistinctHonourTheirWhere()
    {
        var catalog = MetricCatalog.Create(
        [
            new MetricDefinition("promesas", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"])),
            new MetricDefinition("gestiones_sms", MetricKind.Count, new MetricWhere(Canal: ["SMS", "WHATSAPP"])),
            new MetricDefinition("promesas_sms", MetricKind.Count, new MetricWhere(["PROMESA_PAGO", "CONTACTO_DIRECTO"], ["SMS"])),
            new MetricDefinition("sin_homologar", MetricKind.Count, new MetricWhere([" SIN_HOMOLOGAR "])),
            new MetricDefinition("todas", MetricKind.Count),
            new MetricDefinition("saldo_promesas", MetricKind.Sum, new MetricWhere(["PROMESA_PAGO"]), Field: "saldo"),
            new MetricDefinition("saldo_todo", MetricKind.Sum, Field: "saldo"),
            new MetricDefinition("deudores_contactados", MetricKind.Distinct, new MetricWhere(["CONTACTO_DIRECTO", "PROMESA_PAGO"]), Field: "documento"),
        ]);
        var table = new DayTable()
            .Add(tipificacion: "PROMESA DE PAGO", canal: "SMS", saldoCents: 1000, documento: "1")
            .Add(tipificacion: "PROMESA DE PAGO", canal: "LLAMADA", saldoCents: 250, documento: "1")
            .Add(tipificacion: "CONTACTO TITULAR", canal: "SMS", saldoCents: -75, documento: "2")
            .Add(tipificacion: "NO CONTESTA", canal: "WHATSAPP", saldoCents: 5, documento: "3")
            .Add(tipificacion: "OTRA COSA", canal: "sms", saldoCents: 7, documento: "4");

        var view = new ResultView(TheEngine.Query(
            [table.Table], s_mapping, [], ["promesas", "gestiones_sms", "promesas_sms", "sin_homologar", "todas", "saldo_promesas", "saldo_todo", "deudores_contactados"], catalog: catalog));

        Assert.Equal(2m, view[0, "promesas"]);
        Assert.Equal(3m, view[0, "gestiones_sms"]);
        Assert.Equal(2m, view[0, "promesas_sms"]);
        Assert.Equal(1m, view[0, "sin_homologar"]);
        Assert.Equal(5m, view[0, "todas"]);
        Assert.Equal(12.50m, view[0, "saldo_promesas"]);
        Assert.Equal(11.87m, view[0, "saldo_todo"]);
        Assert.Equal(2m, view[0, "deudores_contactados"]);
        Assert.Equal(MetricValueKind.Integer, catalog.KindOf("promesas"));
        Assert.Equal(MetricValueKind.Money, catalog.KindOf("saldo_promesas"));
        Assert.Equal(MetricValueKind.Integer, catalog.KindOf("deudores_contactados"));
        Assert.All(["promesas", "saldo_todo"], name => Assert.False(view.Column(name).IsBuiltin));
    }

    [Fact]
    public void OneTableCountsDistinctDebtorsAsTheSameTableAmongOthersDoes()
    {
        // A query answered by one table keeps the table's own documento indexes; one that spans several interns
        // them query-wide. Both must count alike, for plain and conditional distinct metrics, grouped or not.
        var catalog = MetricCatalog.Create([new MetricDefinition("deudores_sms", MetricKind.Distinct, new MetricWhere(Canal: ["SMS"]), Field: "documento")]);
        var day = new DayTable("2026-01-05");
        for (var i = 0; i < 3_000; i++)
        {
            day.Add($"EJ{i % 7:00}", i % 5 == 0 ? "PROMESA DE PAGO" : "NO CONTESTA", documento: $"{i * 7919 % 1_300:00000000}", canal: i % 3 == 0 ? "SMS" : "LLAMADA", hora: i % 12);
        }

        var later = new DayTable("2026-01-06").Add("EJ00", documento: "00000001", canal: "SMS");
        var otherAgent = new DayTable("2026-01-04").Add("ZZ99", documento: "00000002", canal: "SMS");
        var sevenAgents = TheEngine.Filters((Dimension.Ejecutivo, Enumerable.Range(0, 7).Select(e => $"EJ{e:00}").ToArray()));
        string[] metrics = ["deudores_unicos", "deudores_sms", "total_gestiones"];
        Dimension[][] groupings = [[], [Dimension.Ejecutivo], [Dimension.Ejecutivo, Dimension.Canal], [Dimension.Hora]];
        foreach (var groupBy in groupings)
        {
            var alone = TheEngine.Query([day.Table], s_mapping, groupBy, metrics, sevenAgents, catalog);
            var withAnotherDayOutOfRange = TheEngine.Query([day.Table, later.Table], s_mapping, groupBy, metrics, sevenAgents, catalog, to: new DateOnly(2026, 1, 5));
            var perDay = TheEngine.Query([day.Table, later.Table], s_mapping, [.. groupBy, Dimension.Dia], metrics, sevenAgents, catalog, to: new DateOnly(2026, 1, 5));

            // A second table in range whose rows the filter drops: the documentos go through the query-wide pool.
            var viaPool = TheEngine.Query([otherAgent.Table, day.Table], s_mapping, groupBy, metrics, sevenAgents, catalog);

            foreach (var other in new[] { withAnotherDayOutOfRange, perDay, viaPool })
            {
                for (var m = 0; m < metrics.Length; m++)
                {
                    Assert.Equal(other.Metrics[m].Values, alone.Metrics[m].Values);
                }
            }

            Assert.True(alone.Metrics[0].Values.Sum() > 0);
        }
    }

    [Fact]
    public void DistinctWithWhereCountsAcrossGroupsAndDays()
    {
        var catalog = MetricCatalog.Create([new MetricDefinition("deudores_sms", MetricKind.Distinct, new MetricWhere(Canal: ["SMS"]), Field: "documento")]);
        var day1 = new DayTable("2026-01-05").Add(canal: "SMS", documento: "1").Add(canal: "SMS", documento: "2").Add(canal: "LLAMADA", documento: "3");
        var day2 = new DayTable("2026-01-06").Add(canal: "SMS", documento: "2").Add(canal: "LLAMADA", documento: "1");

        var all = new ResultView(TheEngine.Query([day1.Table, day2.Table], s_mapping, [], ["deudores_sms"], catalog: catalog));
        var byDia = new ResultView(TheEngine.Query([day1.Table, day2.Table], s_mapping, [Dimension.Dia], ["deudores_sms"], catalog: catalog));

        Assert.Equal(2m, all[0, "deudores_sms"]);
        Assert.Equal(2m, byDia["2026-01-05", "deudores_sms"]);
        Assert.Equal(1m, byDia["2026-01-06", "deudores_sms"]);
    }

    [Fact]
    public void RatioOfCompromisosOverContactosScaledBy100IsThePromiseRate()
    {
        var catalog = MetricCatalog.Create([new MetricDefinition("tasa_promesa", MetricKind.Ratio, Numerator: "compromisos", Denominator: "contactos", Scale: 100)]);
        var table = new DayTable()
            .Add("EJ01", "PROMESA DE PAGO")
            .Add("EJ01", "CONTACTO TITULAR", times: 7)
            .Add("EJ02", "NO CONTESTA")
            .Add("EJ03", "PROMESA DE PAGO", times: 2)
            .Add("EJ03", "CONTACTO TITULAR");

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Ejecutivo], ["contactos", "tasa_promesa"], catalog: catalog));

        Assert.Equal(12.5m, view["EJ01", "tasa_promesa"]);
        Assert.Null(view["EJ02", "tasa_promesa"]);
        Assert.Equal(66.6667m, view["EJ03", "tasa_promesa"]);
        Assert.Equal(MetricValueKind.Rate, view.Column("tasa_promesa").Kind);
    }

    [Theory]
    [InlineData(null, 1, 8, 0.125)]
    [InlineData(null, 1, 128, 0.0078)]
    [InlineData("0.5", 1, 3, 0.1667)]
    [InlineData("1000000", 1, 3, 333333.3333)]
    [InlineData("0.0001", 1, 2, 0.0001)]
    [InlineData("0.0001", 1, 3, 0)]
    public void RatioScaleAndRoundingAreExact(string? scale, int numerator, int denominator, double expected)
    {
        var catalog = MetricCatalog.Create(
        [
            new MetricDefinition("promesas", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"])),
            new MetricDefinition("r", MetricKind.Ratio, Numerator: "promesas", Denominator: "total_gestiones", Scale: scale is null ? null : decimal.Parse(scale, System.Globalization.CultureInfo.InvariantCulture)),
        ]);
        var table = new DayTable().Add(tipificacion: "PROMESA DE PAGO", times: numerator).Add(tipificacion: "NO CONTESTA", times: denominator - numerator);

        Assert.Equal((decimal)expected, new ResultView(TheEngine.Query([table.Table], s_mapping, [], ["r"], catalog: catalog))[0, "r"]);
    }

    [Fact]
    public void RatioOfMoneyRoundsHalfAwayFromZeroForNegatives()
    {
        var catalog = MetricCatalog.Create(
        [
            new MetricDefinition("saldo_medio", MetricKind.Ratio, Numerator: "saldo_total", Denominator: "total_gestiones"),
            new MetricDefinition("peso_promesas", MetricKind.Ratio, Numerator: "saldo_promesas", Denominator: "saldo_total", Scale: 100),
            new MetricDefinition("saldo_promesas", MetricKind.Sum, new MetricWhere(["PROMESA_PAGO"]), Field: "saldo"),
        ]);
        var negative = new DayTable().Add("EJ01", saldoCents: -1).Add("EJ01", times: 7);
        var positive = new DayTable("2026-01-06").Add("EJ01", saldoCents: 1).Add("EJ01", times: 7);
        var mixed = new DayTable("2026-01-07").Add("EJ01", "PROMESA DE PAGO", saldoCents: 300).Add("EJ01", saldoCents: -100);
        var zero = new DayTable("2026-01-08").Add("EJ01", "PROMESA DE PAGO", saldoCents: 100).Add("EJ01", saldoCents: -100);

        var view = new ResultView(TheEngine.Query([negative.Table, positive.Table, mixed.Table, zero.Table], s_mapping, [Dimension.Dia], ["saldo_medio", "peso_promesas"], catalog: catalog));

        Assert.Equal(-0.0013m, view["2026-01-05", "saldo_medio"]);
        Assert.Equal(0.0013m, view["2026-01-06", "saldo_medio"]);
        Assert.Equal(0m, view["2026-01-05", "peso_promesas"]);
        Assert.Equal(1m, view["2026-01-07", "saldo_medio"]);
        Assert.Equal(150m, view["2026-01-07", "peso_promesas"]);
        Assert.Equal(0m, view["2026-01-08", "saldo_medio"]);
        Assert.Null(view["2026-01-08", "peso_promesas"]);
    }

    [Fact]
    public void PerHourDividesByHorasTrabajadas()
    {
        var catalog = MetricCatalog.Create(
        [
            new MetricDefinition("contactos_hora", MetricKind.PerHour, Metric: "contactos"),
            new MetricDefinition("saldo_hora", MetricKind.PerHour, Metric: "saldo_total"),
            new MetricDefinition("promesas", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"])),
            new MetricDefinition("promesas_hora", MetricKind.PerHour, Metric: "promesas"),
        ]);
        var table = new DayTable()
            .Add("EJ01", "PROMESA DE PAGO", saldoCents: 100)
            .Add("EJ01", "CONTACTO TITULAR", times: 6)
            .Add("EJ02", "PROMESA DE PAGO")
            .Add("EJ03", "PROMESA DE PAGO")
            .Jornada("EJ01", 896)
            .Jornada("EJ03", 0);

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Ejecutivo], ["contactos_hora", "saldo_hora", "promesas_hora", "pdps_por_hora"], catalog: catalog));

        Assert.Equal(0.7813m, view["EJ01", "contactos_hora"]);
        Assert.Equal(0.1116m, view["EJ01", "saldo_hora"]);
        Assert.Equal(view["EJ01", "pdps_por_hora"], view["EJ01", "promesas_hora"]);
        Assert.Null(view["EJ02", "promesas_hora"]);
        Assert.Null(view["EJ03", "promesas_hora"]);
    }

    [Fact]
    public void TenantMetricsMayBuildOnEachOther()
    {
        var catalog = MetricCatalog.Create(
        [
            new MetricDefinition("tasa_promesa", MetricKind.Ratio, Numerator: "compromisos", Denominator: "contactos", Scale: 100),
            new MetricDefinition("tasa_promesa_por_contactabilidad", MetricKind.Ratio, Numerator: "tasa_promesa", Denominator: "tasa_contactabilidad"),
            new MetricDefinition("tasa_promesa_hora", MetricKind.PerHour, Metric: "tasa_promesa"),
        ]);
        var table = new DayTable().Add("EJ01", "PROMESA DE PAGO").Add("EJ01", "CONTACTO TITULAR", times: 2).Add("EJ01", "NO CONTESTA").Jornada("EJ01", 800);

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [], ["tasa_promesa", "tasa_promesa_por_contactabilidad", "tasa_promesa_hora"], catalog: catalog));

        Assert.Equal(33.3333m, view[0, "tasa_promesa"]);
        Assert.Equal(0.4444m, view[0, "tasa_promesa_por_contactabilidad"]);
        Assert.Equal(4.1667m, view[0, "tasa_promesa_hora"]);
    }

    [Theory]
    [InlineData("Promesas", "snake_case")]
    [InlineData("1promesas", "snake_case")]
    [InlineData("_promesas", "snake_case")]
    [InlineData("promesas-sms", "snake_case")]
    [InlineData("", "snake_case")]
    [InlineData("promesa sms", "snake_case")]
    [InlineData("promesas\n", "snake_case")]
    [InlineData("promesás", "snake_case")]
    [InlineData("contactos", "clashes with the built-in")]
    [InlineData("tasa_contactabilidad", "clashes with the built-in")]
    [InlineData("canal", "clashes with the dimension")]
    [InlineData("tramo_mora", "clashes with the dimension")]
    [InlineData("cliente", "clashes with the dimension")]
    public void BadNamesAreRefused(string name, string problem)
    {
        AssertRefused([new MetricDefinition(name, MetricKind.Count)], $"metric '{name}': ", problem);
    }

    [Fact]
    public void NameLongerThan64CharactersIsRefused()
    {
        AssertRefused([new MetricDefinition(new string('a', 64), MetricKind.Count), new MetricDefinition(new string('b', 65), MetricKind.Count)], $"metric '{new string('b', 65)}'", "snake_case");
    }

    [Fact]
    public void SameNameTwiceIsRefused()
    {
        AssertRefused([new MetricDefinition("promesas", MetricKind.Count), new MetricDefinition("promesas", MetricKind.Sum, Field: "saldo")], "metric 'promesas'", "defined twice");
    }

    public static TheoryData<MetricDefinition, string> MisshapenDefinitions => new()
    {
        { new MetricDefinition("m", MetricKind.Count, Field: "saldo"), "'field' does not apply to kind count" },
        { new MetricDefinition("m", MetricKind.Sum), "needs \"field\": \"saldo\"" },
        { new MetricDefinition("m", MetricKind.Sum, Field: "documento"), "needs \"field\": \"saldo\"" },
        { new MetricDefinition("m", MetricKind.Distinct, Field: "saldo"), "needs \"field\": \"documento\"" },
        { new MetricDefinition("m", MetricKind.Count, new MetricWhere()), "'where' needs 'categoria' and/or 'canal'" },
        { new MetricDefinition("m", MetricKind.Count, new MetricWhere([])), "where.categoria must be a non-empty list" },
        { new MetricDefinition("m", MetricKind.Count, new MetricWhere(Canal: ["SMS", " "])), "where.canal must be a non-empty list of non-empty values" },
        { new MetricDefinition("m", MetricKind.Count, Numerator: "contactos"), "'numerator' does not apply" },
        { new MetricDefinition("m", MetricKind.Count, Scale: 2), "'scale' does not apply" },
        { new MetricDefinition("m", MetricKind.Sum, Field: "saldo", Metric: "contactos"), "'metric' does not apply" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "nada", Denominator: "contactos"), "numerator 'nada' is not a known metric" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "contactos"), "denominator '' is not a known metric" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "contactos", Denominator: "contactos", Scale: 0), "scale must be positive" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "contactos", Denominator: "contactos", Scale: -1), "scale must be positive" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "contactos", Denominator: "contactos", Scale: 0.00001m), "at most 4 decimal places" },
        { new MetricDefinition("m", MetricKind.Ratio, Numerator: "contactos", Denominator: "contactos", Scale: 1_000_001), "at most 1000000" },
        { new MetricDefinition("m", MetricKind.Ratio, new MetricWhere(["X"]), Numerator: "contactos", Denominator: "contactos"), "'where' does not apply to kind ratio" },
        { new MetricDefinition("m", MetricKind.Ratio, Field: "saldo", Numerator: "contactos", Denominator: "contactos"), "'field' does not apply" },
        { new MetricDefinition("m", MetricKind.PerHour), "metric '' is not a known metric" },
        { new MetricDefinition("m", MetricKind.PerHour, Metric: "nada"), "metric 'nada' is not a known metric" },
        { new MetricDefinition("m", MetricKind.PerHour, Metric: "contactos", Scale: 2), "'scale' does not apply to kind per_hour" },
        { new MetricDefinition("m", MetricKind.PerHour, Metric: "contactos", Denominator: "contactos"), "'denominator' does not apply" },
        { new MetricDefinition("m", (MetricKind)42), "unknown kind" },
    };

    [Theory]
    [MemberData(nameof(MisshapenDefinitions))]
    public void MisshapenDefinitionsAreRefused(MetricDefinition definition, string problem)
    {
        AssertRefused([definition], "metric 'm': ", problem);
    }

    [Fact]
    public void CyclesAreRefused()
    {
        AssertRefused(
            [
                new MetricDefinition("a", MetricKind.Ratio, Numerator: "b", Denominator: "contactos"),
                new MetricDefinition("b", MetricKind.PerHour, Metric: "c"),
                new MetricDefinition("c", MetricKind.Ratio, Numerator: "contactos", Denominator: "a"),
            ],
            "metric '",
            "cycle");
        AssertRefused([new MetricDefinition("yo", MetricKind.PerHour, Metric: "yo")], "metric 'yo': ", "cycle yo -> yo");
    }

    [Fact]
    public void EveryProblemIsListedAndTheBuiltinsRemain()
    {
        var catalog = MetricCatalog.Create(
            [new MetricDefinition("Bad", MetricKind.Count), new MetricDefinition("ok", MetricKind.Count), new MetricDefinition("r", MetricKind.Ratio, Numerator: "x", Denominator: "y")],
            out var errors);

        Assert.Equal(3, errors.Count);
        Assert.Same(MetricCatalog.Builtin, catalog);
        Assert.False(catalog.Contains("ok"));
        var e = Assert.Throws<ArgumentException>(() => MetricCatalog.Create([new MetricDefinition("Bad", MetricKind.Count)]));
        Assert.Contains("metric 'Bad'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidDefinitionsAreKeptAsGiven()
    {
        MetricDefinition[] definitions = [new MetricDefinition("promesas", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"])), new MetricDefinition("por_hora", MetricKind.PerHour, Metric: "promesas")];

        var catalog = MetricCatalog.Create(definitions, out var errors);

        Assert.Empty(errors);
        Assert.Equal(definitions, catalog.Definitions);
        Assert.True(catalog.Contains("por_hora"));
        Assert.Equal(MetricValueKind.Rate, catalog.KindOf("por_hora"));
        Assert.All(MetricCatalog.BuiltinNames, n => Assert.True(catalog.Contains(n)));
    }

    private static void AssertRefused(IEnumerable<MetricDefinition> definitions, string prefix, string problem)
    {
        var catalog = MetricCatalog.Create(definitions, out var errors);

        Assert.Same(MetricCatalog.Builtin, catalog);
        Assert.Contains(errors, e => e.StartsWith(prefix, StringComparison.Ordinal) && e.Contains(problem, StringComparison.Ordinal));
    }
}
