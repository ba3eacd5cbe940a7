using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Homologation;

public sealed class HomologationTests
{
    [Fact]
    public void KeysAreUpperCasedAndTrimmedOnBothSides()
    {
        var mapping = TheEngine.Mapping(("  promesa DE pago ", "PROMESA_PAGO", true, true));
        var table = new DayTable()
            .Add(tipificacion: "PROMESA DE PAGO")
            .Add(tipificacion: "promesa de pago")
            .Add(tipificacion: "\t Promesa De Pago  ")
            .Add(tipificacion: "PROMESA  DE PAGO");

        var view = new ResultView(TheEngine.Query([table.Table], mapping, [Dimension.Tipificacion, Dimension.Categoria]));

        Assert.Equal(["PROMESA  DE PAGO|SIN_HOMOLOGAR", "PROMESA DE PAGO|PROMESA_PAGO"], view.Keys);
        Assert.Equal(3m, view["PROMESA DE PAGO|PROMESA_PAGO", "compromisos"]);
        Assert.Equal(0m, view["PROMESA  DE PAGO|SIN_HOMOLOGAR", "contactos"]);
        Assert.Equal("PROMESA_PAGO", mapping.Lookup("PROMESA DE PAGO").Categoria);
        Assert.True(mapping.IsMapped("PROMESA DE PAGO"));
        Assert.False(mapping.IsMapped("promesa de pago"));
    }

    [Fact]
    public void AccentsAreNotFolded()
    {
        var mapping = TheEngine.Mapping(("BUZON DE VOZ", "NO_CONTACTO", false, false), ("Ya pagó", "YA_PAGO", true, false));
        var table = new DayTable()
            .Add(tipificacion: "Buzón de voz")
            .Add(tipificacion: "buzon de voz")
            .Add(tipificacion: "YA PAGÓ")
            .Add(tipificacion: "ya pago");

        var view = new ResultView(TheEngine.Query([table.Table], mapping, [Dimension.Tipificacion, Dimension.Categoria]));

        Assert.Equal(["BUZON DE VOZ|NO_CONTACTO", "BUZÓN DE VOZ|SIN_HOMOLOGAR", "YA PAGO|SIN_HOMOLOGAR", "YA PAGÓ|YA_PAGO"], view.Keys);
        Assert.Equal(1m, view["YA PAGÓ|YA_PAGO", "contactos"]);
        Assert.Equal(0m, view["YA PAGO|SIN_HOMOLOGAR", "contactos"]);
    }

    [Fact]
    public void UnmappedEmptyAndBlankTipificacionesAreSinHomologarAndStillCount()
    {
        var table = new DayTable()
            .Add(tipificacion: "CONTACTO TITULAR")
            .Add(tipificacion: string.Empty)
            .Add(tipificacion: "   ")
            .Add(tipificacion: "LLAMADA \"CORTADA\", SIN AUDIO");

        var view = new ResultView(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Categoria]));

        Assert.Equal(["CONTACTO_DIRECTO", "SIN_HOMOLOGAR"], view.Keys);
        Assert.Equal(3m, view["SIN_HOMOLOGAR", "total_gestiones"]);
        Assert.Equal(0m, view["SIN_HOMOLOGAR", "contactos"]);
        Assert.Equal(0m, view["SIN_HOMOLOGAR", "compromisos"]);
        Assert.Same(HomologationTable.Unmapped, TheEngine.StandardMapping().Lookup(string.Empty));
        Assert.Equal(HomologationTable.SinHomologar, HomologationTable.Empty.Lookup("CONTACTO TITULAR").Categoria);
    }

    [Fact]
    public void EachClienteUsesOnlyItsOwnTable()
    {
        var tables = TheEngine.Homologation(
            "cliente,tipificacion,categoria,es_contacto,es_compromiso\n" +
            "banco-a,PDP,PROMESA_PAGO,true,true\n" +
            "banco-b,NO CONTESTA,NO_CONTACTO,false,false\n" +
            "banco-b,pdp,RECHAZO,TRUE, False \n");

        Assert.Equal(["banco-a", "banco-b"], tables.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new HomologationEntry("PROMESA_PAGO", true, true), tables["banco-a"].Lookup("PDP"));
        Assert.Equal(new HomologationEntry("RECHAZO", true, false), tables["banco-b"].Lookup("PDP"));
        Assert.False(tables["banco-a"].IsMapped("NO CONTESTA"));
        Assert.Equal(2, tables["banco-b"].Count);
    }

    [Fact]
    public void FileWithoutClienteColumnIsOneTable()
    {
        var tables = TheEngine.Homologation("tipificacion,categoria,es_contacto,es_compromiso\r\n\"APAGADO, FUERA DE SERVICIO\",NO_CONTACTO,false,false\r\n");

        var table = Assert.Single(tables);
        Assert.Equal(string.Empty, table.Key);
        Assert.Equal("NO_CONTACTO", table.Value.Lookup("APAGADO, FUERA DE SERVICIO").Categoria);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("")]
    public void FlagsOtherThanTrueOrFalseAreRefusedWithTheirLine(string flag)
    {
        var csv = $"tipificacion,categoria,es_contacto,es_compromiso\nPDP,PROMESA_PAGO,true,true\nX,NO_CONTACTO,{flag},false\n";

        var e = Assert.Throws<CsvFormatException>(() => TheEngine.Homologation(csv));

        Assert.StartsWith("homologacion.csv: line 3: es_contacto must be true or false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CategoriesOtherThanTheStandardOnesAreAllowedWhenUpperSnake()
    {
        var mapping = HomologationTable.Create([new HomologationRule("VISITA OK", " MI_CATEGORIA_2 ", true, false)], out var errors);

        Assert.Empty(errors);
        Assert.Equal("MI_CATEGORIA_2", mapping.Lookup("VISITA OK").Categoria);
        Assert.Equal("MI_CATEGORIA_2", Assert.Single(mapping.Rules).Categoria);
    }

    [Theory]
    [InlineData("  ", "NO_CONTACTO", "tipificacion is empty")]
    [InlineData("X", "no_contacto", "must be UPPER_SNAKE")]
    [InlineData("X", "NO-CONTACTO", "must be UPPER_SNAKE")]
    [InlineData("X", "_NO", "must be UPPER_SNAKE")]
    [InlineData("X", "NO__CONTACTO", "must be UPPER_SNAKE")]
    [InlineData("X", "", "must be UPPER_SNAKE")]
    [InlineData("X", "SIN_HOMOLOGAR", "reserved")]
    public void InvalidRulesAreRefusedByName(string tipificacion, string categoria, string problem)
    {
        var rules = new[] { new HomologationRule("PDP", "PROMESA_PAGO", true, true), new HomologationRule(tipificacion, categoria, false, false) };

        var table = HomologationTable.Create(rules, out var errors);

        Assert.StartsWith("rule 2", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Contains(problem, errors[0], StringComparison.Ordinal);
        Assert.Same(HomologationTable.Empty, table);
        Assert.Throws<ArgumentException>(() => HomologationTable.Create(rules));
    }

    [Fact]
    public void TwoRulesWithTheSameNormalizedKeyAreRefused()
    {
        HomologationTable.Create([new HomologationRule("PDP", "PROMESA_PAGO", true, true), new HomologationRule(" pdp ", "RECHAZO", true, false)], out var errors);

        Assert.Contains("repeats 'PDP'", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidTableInAFileNamesTheCliente()
    {
        var csv = "cliente,tipificacion,categoria,es_contacto,es_compromiso\nbanco-a,PDP,PROMESA_PAGO,true,true\nbanco-b,PDP,promesa,true,true\n";

        var e = Assert.Throws<CsvFormatException>(() => TheEngine.Homologation(csv));

        Assert.StartsWith("homologacion.csv (cliente banco-b): rule 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingHomologationColumnIsNamed()
    {
        var e = Assert.Throws<CsvFormatException>(() => TheEngine.Homologation("cliente,tipificacion,categoria,es_contacto\n"));
        Assert.Contains("missing column es_compromiso", e.Message, StringComparison.Ordinal);
    }
}
