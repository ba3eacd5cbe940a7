using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Metrics;

public sealed class MetricFormulaTests
{
    private static readonly HomologationTable s_mapping = TheEngine.StandardMapping();

    [Fact]
    public void OneContactIn128GestionesRoundsHalfUpTo0_7813()
    {
        var table = new DayTable().Add(tipificacion: "CONTACTO TITULAR").Add(tipificacion: "NO CONTESTA", times: 127);

        var view = Evaluate(table);

        Assert.Equal(128m, view[0, "total_gestiones"]);
        Assert.Equal(1m, view[0, "contactos"]);
        Assert.Equal(0.7813m, view[0, "tasa_contactabilidad"]);
        Assert.Equal(7813, view.Column("tasa_contactabilidad").Values[0]);
    }

    [Theory]
    [InlineData(1, 8, 12.5)]
    [InlineData(1, 3, 33.3333)]
    [InlineData(2, 3, 66.6667)]
    [InlineData(4, 7, 57.1429)]
    [InlineData(0, 5, 0)]
    [InlineData(5, 5, 100)]
    [InlineData(1, 3200, 0.0313)]
    [InlineData(3, 6400, 0.0469)]
    [InlineData(1, 64_000, 0.0016)]
    [InlineData(1, 160_000, 0.0006)]
    public void ContactabilidadIsContactsTimes100OverTotalRoundedHalfUp(int contactos, int total, double expected)
    {
        var table = new DayTable().Add(tipificacion: "CONTACTO TITULAR", times: contactos).Add(tipificacion: "NO CONTESTA", times: total - contactos);

        Assert.Equal((decimal)expected, Evaluate(table)[0, "tasa_contactabilidad"]);
    }

    [Theory]
    [InlineData(1, 640, 0.1563)]
    [InlineData(7, 896, 0.7813)]
    [InlineData(1, 800, 0.125)]
    [InlineData(2, 750, 0.2667)]
    [InlineData(3, 1, 300)]
    [InlineData(0, 800, 0)]
    [InlineData(1, 3_200_000, 0)]
    [InlineData(1, 1_600_000, 0.0001)]
    public void PdpsPorHoraIsCompromisosOverHoursRoundedHalfUp(int compromisos, long hoursCents, double expected)
    {
        var table = new DayTable().Add(tipificacion: "PROMESA DE PAGO", times: compromisos).Add(tipificacion: "NO CONTESTA").Jornada("EJ0001", hoursCents);

        var view = Evaluate(table);

        Assert.Equal(hoursCents / 100m, view[0, "horas_trabajadas"]);
        Assert.Equal((decimal)expected, view[0, "pdps_por_hora"]);
    }

    [Fact]
    public void NoJornadaMeansNullHoursAndNullPdps()
    {
        var view = Evaluate(new DayTable().Add(tipificacion: "PROMESA DE PAGO"));

        Assert.Null(view[0, "horas_trabajadas"]);
        Assert.Null(view[0, "pdps_por_hora"]);
        Assert.True(view.Column("horas_trabajadas").IsNull(0));
    }

    [Fact]
    public void ZeroHoursAreShownButPdpsIsNull()
    {
        var view = Evaluate(new DayTable().Add(tipificacion: "PROMESA DE PAGO").Jornada("EJ0001", 0));

        Assert.Equal(0m, view[0, "horas_trabajadas"]);
        Assert.Null(view[0, "pdps_por_hora"]);
        Assert.Equal(100m, view[0, "tasa_contactabilidad"]);
    }

    [Fact]
    public void LaterJornadaReplacesTheEarlierOne()
    {
        var view = Evaluate(new DayTable().Add(tipificacion: "PROMESA DE PAGO").Jornada("EJ0001", 800).Jornada("EJ0001", 640));

        Assert.Equal(6.40m, view[0, "horas_trabajadas"]);
        Assert.Equal(0.1563m, view[0, "pdps_por_hora"]);
    }

    [Fact]
    public void SaldoIsSummedExactlyInCents()
    {
        var table = new DayTable()
            .Add(saldoCents: 10_000)
            .Add(saldoCents: 5_050)
            .Add(saldoCents: -525)
            .Add(saldoCents: 1)
            .Add(saldoCents: 5_000_000_000, times: 3);

        Assert.Equal(150_000_145.26m, Evaluate(table)[0, "saldo_total"]);
        Assert.Equal(-0.75m, Evaluate(new DayTable().Add(saldoCents: -100).Add(saldoCents: 25))[0, "saldo_total"]);
    }

    [Fact]
    public void DeudoresUnicosCountsDistinctDocumentosExactly()
    {
        var table = new DayTable()
            .Add(documento: "12345678", hora: 8)
            .Add(documento: "12345678", hora: 9, canal: "SMS")
            .Add(documento: "00012345")
            .Add(documento: "12345")
            .Add(documento: "012345")
            .Add(documento: "CE-000123")
            .Add(documento: "ce-000123")
            .Add(documento: "1234567890123456789")
            .Add(documento: "123456789012345678")
            .Add(documento: "0123456789012345678");

        Assert.Equal(9m, Evaluate(table)[0, "deudores_unicos"]);
    }

    [Fact]
    public void ManyDistinctDocumentosAreCountedExactly()
    {
        var table = new DayTable();
        for (var i = 0; i < 5000; i++)
        {
            table.Add(documento: (i % 3000).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture), hora: i % 24, diasMora: i % 400);
        }

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Dia]));
        Assert.Equal(3000m, view[0, "deudores_unicos"]);
        Assert.Equal(5000m, view[0, "total_gestiones"]);
    }

    [Fact]
    public void DeudoresUnicosIsDistinctAcrossDaysWhenDiaIsNotGrouped()
    {
        var day1 = new DayTable("2026-01-05").Add(documento: "1").Add(documento: "2");
        var day2 = new DayTable("2026-01-06").Add(documento: "2").Add(documento: "3");

        var byEjecutivo = new ResultView(TheEngine.Query([day1.Table, day2.Table], s_mapping, [Dimension.Ejecutivo]));
        var byDia = new ResultView(TheEngine.Query([day1.Table, day2.Table], s_mapping, [Dimension.Dia]));

        Assert.Equal(3m, byEjecutivo["EJ0001", "deudores_unicos"]);
        Assert.Equal(2m, byDia["2026-01-05", "deudores_unicos"]);
        Assert.Equal(2m, byDia["2026-01-06", "deudores_unicos"]);
    }

    [Fact]
    public void HorasCountEachEjecutivoDayOncePerGroup()
    {
        var table = new DayTable()
            .Add("EJ0001", canal: "LLAMADA", hora: 8)
            .Add("EJ0001", canal: "LLAMADA", hora: 9)
            .Add("EJ0001", canal: "SMS", hora: 9, diasMora: 200)
            .Add("EJ0002", canal: "SMS")
            .Add("EJ0003", canal: "VISITA")
            .Jornada("EJ0001", 800)
            .Jornada("EJ0002", 640)
            .Jornada("EJ0004", 1000);

        var byCanal = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Canal]));
        var all = new ResultView(TheEngine.Query([table.Table], s_mapping, []));

        Assert.Equal(8.00m, byCanal["LLAMADA", "horas_trabajadas"]);
        Assert.Equal(14.40m, byCanal["SMS", "horas_trabajadas"]);
        Assert.Null(byCanal["VISITA", "horas_trabajadas"]);
        Assert.Equal(14.40m, all[0, "horas_trabajadas"]);
    }

    [Fact]
    public void HorasSumOverDaysWhenDiaIsNotGrouped()
    {
        var day1 = new DayTable("2026-01-05").Add("EJ0001").Jornada("EJ0001", 800);
        var day2 = new DayTable("2026-01-06").Add("EJ0001").Jornada("EJ0001", 450);
        var day3 = new DayTable("2026-01-07").Add("EJ0001");

        var view = new ResultView(TheEngine.Query([day1.Table, day2.Table, day3.Table], s_mapping, [Dimension.Ejecutivo]));

        Assert.Equal(12.50m, view["EJ0001", "horas_trabajadas"]);
    }

    [Fact]
    public void HorasFollowTheFilters()
    {
        var table = new DayTable()
            .Add("EJ0001", canal: "LLAMADA")
            .Add("EJ0002", canal: "SMS")
            .Jornada("EJ0001", 800)
            .Jornada("EJ0002", 640);

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [], filters: TheEngine.Filters((Dimension.Canal, ["SMS"]))));

        Assert.Equal(6.40m, view[0, "horas_trabajadas"]);
        Assert.Equal(1m, view[0, "total_gestiones"]);
    }

    [Fact]
    public void JornadaWithoutGestionesProducesNoRow()
    {
        var table = new DayTable().Jornada("EJ0001", 800);
        var other = new DayTable("2026-01-06").Add("EJ0002").Jornada("EJ0001", 800);

        Assert.Equal(0, TheEngine.Query([table.Table], s_mapping, [Dimension.Ejecutivo, Dimension.Dia]).RowCount);
        var view = new ResultView(TheEngine.Query([table.Table, other.Table], s_mapping, [Dimension.Ejecutivo]));
        Assert.Equal(["EJ0002"], view.Keys);
        Assert.Null(view[0, "horas_trabajadas"]);
    }

    [Fact]
    public void EmptyInputGivesNoRowsEvenWithoutGroupBy()
    {
        var result = TheEngine.Query([], s_mapping, []);

        Assert.Equal(0, result.RowCount);
        Assert.Equal(MetricCatalog.BuiltinNames, result.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void DefaultMetricsAreTheBuiltinsInBenchOrder()
    {
        var result = TheEngine.Query([new DayTable().Add().Table], s_mapping, [Dimension.Ejecutivo, Dimension.Dia]);

        Assert.Equal(
            ["total_gestiones", "contactos", "compromisos", "saldo_total", "deudores_unicos", "horas_trabajadas", "tasa_contactabilidad", "pdps_por_hora"],
            result.Metrics.Select(m => m.Name));
        Assert.Equal(
            [MetricValueKind.Integer, MetricValueKind.Integer, MetricValueKind.Integer, MetricValueKind.Money, MetricValueKind.Integer, MetricValueKind.Money, MetricValueKind.Rate, MetricValueKind.Rate],
            result.Metrics.Select(m => m.Kind));
        Assert.All(result.Metrics, m => Assert.True(m.IsBuiltin));
    }

    [Fact]
    public void RequestedMetricsComeInTheOrderAsked()
    {
        var result = TheEngine.Query([new DayTable().Add().Table], s_mapping, [], ["pdps_por_hora", "total_gestiones", "saldo_total"]);

        Assert.Equal(["pdps_por_hora", "total_gestiones", "saldo_total"], result.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void UnknownMetricIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TheEngine.Query([new DayTable().Add().Table], s_mapping, [], ["total"]));
        Assert.Contains("'total'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupingByTheSameDimensionTwiceIsRefused()
    {
        Assert.Throws<ArgumentException>(() => TheEngine.Query([new DayTable().Add().Table], s_mapping, [Dimension.Canal, Dimension.Canal]));
    }

    [Fact]
    public void DayRangeIsInclusiveAndSkipsOtherDays()
    {
        var tables = new[] { "2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07" }.Select(d => new DayTable(d).Add().Table).ToList();

        var view = new ResultView(TheEngine.Query(tables, s_mapping, [Dimension.Dia], ["total_gestiones"], from: new DateOnly(2026, 1, 5), to: new DateOnly(2026, 1, 6)));

        Assert.Equal(["2026-01-05", "2026-01-06"], view.Keys);
    }

    [Fact]
    public void RowsAreSortedOrdinallyByTheGroupColumnsInTheOrderGiven()
    {
        var table = new DayTable()
            .Add("ej0001", canal: "SMS")
            .Add("EJ0002", canal: "LLAMADA")
            .Add("Ñ01", canal: "EMAIL")
            .Add("EJ0010", canal: "SMS")
            .Add("EJ0002", canal: "EMAIL")
            .Add(" EJ0003", canal: "VISITA");

        var byEjecutivoCanal = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Ejecutivo, Dimension.Canal], ["total_gestiones"]));
        var byCanalEjecutivo = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Canal, Dimension.Ejecutivo], ["total_gestiones"]));

        Assert.Equal([" EJ0003|VISITA", "EJ0002|EMAIL", "EJ0002|LLAMADA", "EJ0010|SMS", "ej0001|SMS", "Ñ01|EMAIL"], byEjecutivoCanal.Keys);
        Assert.Equal(["EMAIL|EJ0002", "EMAIL|Ñ01", "LLAMADA|EJ0002", "SMS|EJ0010", "SMS|ej0001", "VISITA| EJ0003"], byCanalEjecutivo.Keys);
    }

    [Fact]
    public void HoraAndTramoAreLabelledAsTheDesignSays()
    {
        var table = new DayTable().Add(hora: 0, diasMora: -4).Add(hora: 7, diasMora: 31).Add(hora: 23, diasMora: 361).Add(hora: 7, diasMora: 180);

        var view = new ResultView(TheEngine.Query([table.Table], s_mapping, [Dimension.Hora, Dimension.TramoMora], ["total_gestiones"]));

        Assert.Equal(["00|<=30", "07|31-60", "07|91-180", "23|361+"], view.Keys);
    }

    [Fact]
    public void LongValuesAreCountedLikeShortOnes()
    {
        var ejecutivo = new string('E', 300);
        var tipificacion = "  " + string.Concat(Enumerable.Repeat("promesa de pago ", 40));
        var mapping = TheEngine.Mapping((tipificacion, "PROMESA_PAGO", true, true));
        var table = new DayTable().Add(ejecutivo, tipificacion, canal: new string('C', 260)).Add(ejecutivo, tipificacion.ToUpperInvariant(), canal: new string('C', 260)).Add("EJ0001", tipificacion);

        var view = new ResultView(TheEngine.Query([table.Table], mapping, [Dimension.Ejecutivo], ["total_gestiones", "compromisos"]));

        Assert.Equal([ejecutivo, "EJ0001"], view.Keys);
        Assert.Equal(2m, view[ejecutivo, "compromisos"]);
        Assert.Equal(1m, view["EJ0001", "compromisos"]);
    }

    private static ResultView Evaluate(DayTable table) =>
        new(TheEngine.Query([table.Table], s_mapping, [Dimension.Ejecutivo, Dimension.Dia]));
}
