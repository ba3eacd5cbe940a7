using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Output;

public sealed class CsvResultWriterTests
{
    [Fact]
    public void EjecutivoDiaWithDefaultMetricsHasTheBenchColumns()
    {
        var table = new DayTable().Add("EJ0001", "PROMESA DE PAGO", saldoCents: -75).Add("EJ0001", "NO CONTESTA", saldoCents: 12_800).Jornada("EJ0001", 640);

        var csv = CsvResultWriter.ToCsv(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Dia]));

        Assert.Equal(
            "ejecutivo,dia,total_gestiones,contactos,compromisos,saldo_total,deudores_unicos,horas_trabajadas,tasa_contactabilidad,pdps_por_hora\n" +
            "EJ0001,2026-01-05,2,1,1,127.25,1,6.40,50.0000,0.1563\n",
            csv);
    }

    [Fact]
    public void NullsAreEmptyFieldsAndNegativesKeepTheirSign()
    {
        var table = new DayTable().Add("EJ0001", saldoCents: -75).Add("EJ0002", saldoCents: -100_000).Jornada("EJ0002", 0);

        var csv = CsvResultWriter.ToCsv(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo], ["saldo_total", "horas_trabajadas", "pdps_por_hora"]));

        Assert.Equal("ejecutivo,saldo_total,horas_trabajadas,pdps_por_hora\nEJ0001,-0.75,,\nEJ0002,-1000.00,0.00,\n", csv);
    }

    [Fact]
    public void DimensionValuesThatNeedQuotesAreQuoted()
    {
        var table = new DayTable()
            .Add("EQUIPO, SUR", "10 - MENSAJE \"DEJADO\"")
            .Add("EJ\n01", "plain");

        var csv = CsvResultWriter.ToCsv(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Tipificacion], ["total_gestiones"]));

        Assert.Equal("ejecutivo,tipificacion,total_gestiones\n\"EJ\n01\",PLAIN,1\n\"EQUIPO, SUR\",\"10 - MENSAJE \"\"DEJADO\"\"\",1\n", csv);
        var records = CsvText.Records(csv);
        Assert.Equal(["EQUIPO, SUR", "10 - MENSAJE \"DEJADO\"", "1"], records[2].Fields);
    }

    [Fact]
    public void LeadingColumnAndHeaderAreOptional()
    {
        var table = new DayTable().Add("EJ0001");
        var result = TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo], ["total_gestiones"]);
        using var stream = new MemoryStream();

        CsvResultWriter.Write(result, stream, header: true, leadingColumn: ("cliente", "banco, a"));
        CsvResultWriter.Write(result, stream, header: false, leadingColumn: ("cliente", "banco-b"));

        Assert.Equal("cliente,ejecutivo,total_gestiones\n\"banco, a\",EJ0001,1\nbanco-b,EJ0001,1\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void EmptyResultIsTheHeaderOnly()
    {
        var csv = CsvResultWriter.ToCsv(TheEngine.Query([], TheEngine.StandardMapping(), [Dimension.Canal], ["contactos", "tasa_contactabilidad"]));
        Assert.Equal("canal,contactos,tasa_contactabilidad\n", csv);
    }

    [Fact]
    public void ManyRowsAreAllWritten()
    {
        var table = new DayTable();
        for (var i = 0; i < 30_000; i++)
        {
            table.Add($"EJECUTIVO-CON-NOMBRE-LARGO-{i:00000}", saldoCents: i);
        }

        var csv = CsvResultWriter.ToCsv(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo]));
        var records = CsvText.Records(csv);

        Assert.Equal(30_001, records.Count);
        Assert.Equal("EJECUTIVO-CON-NOMBRE-LARGO-29999", records[^1].Fields[0]);
        Assert.Equal("299.99", records[^1].Fields[4]);
    }

    [Theory]
    [InlineData(0, 2, "0.00")]
    [InlineData(-75, 2, "-0.75")]
    [InlineData(-5, 2, "-0.05")]
    [InlineData(12_800, 2, "128.00")]
    [InlineData(7813, 4, "0.7813")]
    [InlineData(-1, 4, "-0.0001")]
    [InlineData(500_000, 4, "50.0000")]
    [InlineData(42, 0, "42")]
    [InlineData(-42, 0, "-42")]
    [InlineData(long.MaxValue, 2, "92233720368547758.07")]
    [InlineData(long.MinValue, 2, "-92233720368547758.08")]
    [InlineData(long.MinValue, 4, "-922337203685477.5808")]
    public void FixedPointPrintsExactDecimals(long scaled, int decimals, string expected)
    {
        Assert.Equal(expected, FixedPoint.ToString(scaled, decimals));
    }
}
