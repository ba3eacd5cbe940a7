using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Metrics;

public sealed class RehomologationTests
{
    [Fact]
    public void NewMappingChangesEveryFigureWithoutReReading()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv()
            .Row(ejecutivo: "EJ01", tipificacion: "PROMESA DE PAGO")
            .Row(ejecutivo: "EJ01", tipificacion: "  promesa de pago")
            .Row(ejecutivo: "EJ01", tipificacion: "Tercero informa")
            .Row(ejecutivo: "EJ01", tipificacion: "NO CONTESTA")
            .Row(ejecutivo: "EJ02", tipificacion: "Tercero informa", canal: "SMS")
            .Row(ejecutivo: "EJ02", tipificacion: "CONTACTO TITULAR", canal: "SMS");
        var path = folder.Write("gestiones.csv", csv.ToString());
        var cube = GestionAggregator.AggregateFile(path, 1).Cubes["banco-a"];
        File.Delete(path);
        var tables = cube.Tables.ToList();
        var before = TheEngine.StandardMapping();
        var after = TheEngine.Mapping(
            ("PROMESA DE PAGO", "CONTACTO_DIRECTO", true, false),
            ("TERCERO INFORMA", "CONTACTO_INDIRECTO", true, true),
            ("NO CONTESTA", "NO_CONTACTO", false, false));

        var first = new ResultView(TheEngine.Query(tables, before, [Dimension.Ejecutivo]));
        var second = new ResultView(TheEngine.Query(tables, after, [Dimension.Ejecutivo]));
        var byCategoria = new ResultView(TheEngine.Query(tables, after, [Dimension.Categoria], ["total_gestiones", "contactos"]));

        Assert.Equal((2m, 2m), (first["EJ01", "contactos"]!.Value, first["EJ01", "compromisos"]!.Value));
        Assert.Equal((3m, 1m), (second["EJ01", "contactos"]!.Value, second["EJ01", "compromisos"]!.Value));
        Assert.Equal(50m, first["EJ01", "tasa_contactabilidad"]);
        Assert.Equal(75m, second["EJ01", "tasa_contactabilidad"]);
        Assert.Equal((1m, 0m), (first["EJ02", "contactos"]!.Value, first["EJ02", "compromisos"]!.Value));
        Assert.Equal((1m, 1m), (second["EJ02", "contactos"]!.Value, second["EJ02", "compromisos"]!.Value));
        Assert.Equal(["CONTACTO_DIRECTO", "CONTACTO_INDIRECTO", "NO_CONTACTO", "SIN_HOMOLOGAR"], byCategoria.Keys);
        Assert.Equal(2m, byCategoria["CONTACTO_INDIRECTO", "contactos"]);
        Assert.Equal(1m, byCategoria["SIN_HOMOLOGAR", "total_gestiones"]);
        Assert.Equal(6, tables.Sum(t => t.GestionCount));
    }

    [Fact]
    public void GoingBackToTheOldMappingGivesTheOldFigures()
    {
        var table = new DayTable()
            .Add("EJ01", "PDP", documento: "1")
            .Add("EJ01", "SIN GESTION", documento: "2")
            .Add("EJ02", "pdp ", documento: "3", canal: "SMS")
            .Jornada("EJ01", 640)
            .Table;
        var oldMapping = TheEngine.Mapping(("PDP", "PROMESA_PAGO", true, true));
        var newMapping = TheEngine.Mapping(("PDP", "RECHAZO", true, false), ("SIN GESTION", "NO_CONTACTO", false, false));
        Dimension[] groupBy = [Dimension.Ejecutivo, Dimension.Categoria];

        var original = CsvResultWriter.ToCsv(TheEngine.Query([table], oldMapping, groupBy));
        var changed = CsvResultWriter.ToCsv(TheEngine.Query([table], newMapping, groupBy));
        var restored = CsvResultWriter.ToCsv(TheEngine.Query([table], oldMapping, groupBy));

        Assert.NotEqual(original, changed);
        Assert.Equal(original, restored);
        Assert.Contains("EJ01,PROMESA_PAGO,1,1,1,0.00,1,6.40,100.0000,0.1563\n", original, StringComparison.Ordinal);
        Assert.Contains("EJ01,RECHAZO,1,1,0,0.00,1,6.40,100.0000,0.0000\n", changed, StringComparison.Ordinal);
    }

    [Fact]
    public void CategoriaFilterFollowsTheMappingOfTheQuery()
    {
        var table = new DayTable().Add(tipificacion: "PDP").Add(tipificacion: "OTRA").Table;
        var filter = TheEngine.Filters((Dimension.Categoria, [" PROMESA_PAGO "]));

        var unmapped = TheEngine.Query([table], HomologationTable.Empty, [], ["total_gestiones"], filter);
        var mapped = new ResultView(TheEngine.Query([table], TheEngine.Mapping(("pdp", "PROMESA_PAGO", true, true)), [], ["total_gestiones"], filter));

        Assert.Equal(0, unmapped.RowCount);
        Assert.Equal(1m, mapped[0, "total_gestiones"]);
    }
}
