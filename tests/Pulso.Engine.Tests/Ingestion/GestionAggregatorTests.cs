using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Ingestion;

public sealed class GestionAggregatorTests
{
    [Fact]
    public void RejectedRowsAreCountedKeptWithTheirLineAndNeverChangeAMetric()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv()
            .Row(saldo: "100.00")
            .Row(fecha: "2026-02-30 08:00:00", saldo: "1000.00")
            .Row(documento: " ", saldo: "1000.00")
            .Row(saldo: "1e3")
            .Row(diasMora: "", saldo: "1000.00")
            .Row(fecha: "", documento: "", saldo: "x", diasMora: "x")
            .Row(saldo: "-0.75", documento: "87654321");
        var path = folder.Write("gestiones.csv", csv.ToString());

        var aggregate = GestionAggregator.AggregateFile(path, 1);

        Assert.Equal(7, aggregate.Rows);
        Assert.Equal(5, aggregate.Rejects.Total);
        Assert.Equal(2, aggregate.Rejects[RejectReason.FechaInvalida]);
        Assert.Equal(1, aggregate.Rejects[RejectReason.DocumentoVacio]);
        Assert.Equal(1, aggregate.Rejects[RejectReason.SaldoInvalido]);
        Assert.Equal(1, aggregate.Rejects[RejectReason.DiasMoraInvalido]);
        Assert.Equal(
            [(3L, RejectReason.FechaInvalida), (4L, RejectReason.DocumentoVacio), (5L, RejectReason.SaldoInvalido), (6L, RejectReason.DiasMoraInvalido), (7L, RejectReason.FechaInvalida)],
            aggregate.Rejects.Rows.Select(r => (r.Line, r.Reason)));
        var kept = aggregate.Rejects.Rows[2];
        Assert.Equal("gestiones.csv", kept.Source);
        Assert.Equal("1e3", kept.Fields["saldo"]);
        Assert.Equal("EJ0001", kept.Fields["ejecutivo"]);

        var view = new ResultView(TheEngine.Query(aggregate.Cubes["banco-a"].Tables, HomologationTable.Empty, []));
        Assert.Equal(2m, view[0, "total_gestiones"]);
        Assert.Equal(99.25m, view[0, "saldo_total"]);
        Assert.Equal(2m, view[0, "deudores_unicos"]);
        Assert.Equal(
            new Dictionary<string, long> { ["fecha_invalida"] = 2, ["documento_vacio"] = 1, ["saldo_invalido"] = 1, ["dias_mora_invalido"] = 1 },
            aggregate.Rejects.ToDictionary());
    }

    [Fact]
    public void QuarantineKeepsTheFirstRowsButCountsAll()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv();
        for (var i = 0; i < 30; i++)
        {
            csv.Row(saldo: "N/A", documento: i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1, quarantine: 10);

        Assert.Equal(30, aggregate.Rejects[RejectReason.SaldoInvalido]);
        Assert.Equal(Enumerable.Range(2, 10).Select(l => (long)l), aggregate.Rejects.Rows.Select(r => r.Line));
    }

    [Fact]
    public void RejectLinesCountQuotedLineBreaksAndCrlf()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv()
            .Row(tipificacion: "DOS\nLINEAS")
            .Row(saldo: "bad")
            .Raw("3,banco-a,2026-01-05 08:00:00,1,EJ0001,\"TRES\r\nLINEAS\r\nAQUI\",1.00,0,SMS\r\n")
            .Raw("4,banco-a,2026-01-05 08:00:00,,EJ0001,X,1.00,0,SMS\r\n");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1);

        Assert.Equal([(4L, RejectReason.SaldoInvalido), (8L, RejectReason.DocumentoVacio)], aggregate.Rejects.Rows.Select(r => (r.Line, r.Reason)));
        Assert.Equal(4, aggregate.Rows);
    }

    [Fact]
    public void RejectLinesCountBlankLines()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv()
            .Row()
            .Raw("\n\n")
            .Row(saldo: "bad")
            .Raw("\r\n")
            .Row(diasMora: "");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1);

        Assert.Equal([(5L, RejectReason.SaldoInvalido), (7L, RejectReason.DiasMoraInvalido)], aggregate.Rejects.Rows.Select(r => (r.Line, r.Reason)));
    }

    [Fact]
    public void ValidRowAfterABlankLineIsAccepted()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv().Row().Raw("\n").Row(documento: "87654321", saldo: "2.50");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1);

        Assert.Equal(0, aggregate.Rejects.Total);
        var view = new ResultView(TheEngine.Query(aggregate.Cubes["banco-a"].Tables, HomologationTable.Empty, []));
        Assert.Equal(2m, view[0, "total_gestiones"]);
        Assert.Equal(3.50m, view[0, "saldo_total"]);
    }

    [Fact]
    public void RejectLinesCountBlankLinesBeforeTheHeader()
    {
        using var folder = new TempFolder();
        var text = "\n\n" + new GestionesCsv().Row().Row(saldo: "bad");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", text), 1);

        Assert.Equal(5, Assert.Single(aggregate.Rejects.Rows).Line);
    }

    [Theory]
    [InlineData("5,banco-a,2026-01-05 08:00:00,1,EJ0001,PDP\"X,1.00,0,SMS\n", "quote")]
    [InlineData("5,banco-a,2026-01-05 08:00:00,1,EJ0001,PDP,1.00,0\n", "expected 9 fields")]
    public void MalformedGestionNamesItsPhysicalLine(string badRow, string problem)
    {
        using var folder = new TempFolder();
        var text = new GestionesCsv().Row().Row(tipificacion: "A\nB").Raw(badRow).Row().ToString();

        var e = Assert.Throws<CsvFormatException>(() => GestionAggregator.AggregateFile(folder.Write("gestiones.csv", text), 1));

        Assert.StartsWith("gestiones.csv: line 5: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingColumnIsNamed()
    {
        using var folder = new TempFolder();
        var path = folder.Write("gestiones.csv", "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,canal\n1,a,b,c,d,e,f,g\n");

        var e = Assert.Throws<CsvFormatException>(() => GestionAggregator.AggregateFile(path, 1));

        Assert.Contains("missing column dias_mora", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientesAreSeparateCubesKeyedAsRead()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv().Row(cliente: "banco-a").Row(cliente: "Banco-A").Row(cliente: "banco-a", fecha: "2026-01-06 08:00:00");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1);

        Assert.Equal(["Banco-A", "banco-a"], aggregate.Cubes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, aggregate.Cubes["banco-a"].DayCount);
        Assert.Equal([new DateOnly(2026, 1, 5), new DateOnly(2026, 1, 6)], aggregate.Cubes["banco-a"].Tables.Select(t => t.Day));
        Assert.Equal(1, aggregate.Cubes["Banco-A"].Tables.Single().GestionCount);
    }

    [Fact]
    public void RowsOutOfDateOrderLandOnTheirOwnDay()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv()
            .Row(fecha: "2026-01-06 08:00:00")
            .Row(fecha: "2026-01-05 23:00:00")
            .Row(fecha: "2026-01-06 25:00:00")
            .Row(fecha: "2026-01-06 09:00:00")
            .Row(fecha: "2026-02-30 09:00:00")
            .Row(fecha: "2026-01-05 07:00:00");

        var aggregate = GestionAggregator.AggregateFile(folder.Write("gestiones.csv", csv.ToString()), 1);
        var view = new ResultView(TheEngine.Query(aggregate.Cubes["banco-a"].Tables, HomologationTable.Empty, [Dimension.Dia, Dimension.Hora], ["total_gestiones"]));

        Assert.Equal(["2026-01-05|07", "2026-01-05|23", "2026-01-06|08", "2026-01-06|09"], view.Keys);
        Assert.Equal(2, aggregate.Rejects[RejectReason.FechaInvalida]);
    }
}
