using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Ingestion;

public sealed class GestionValidationTests
{
    [Theory]
    [InlineData("", "", "N/A", "", RejectReason.FechaInvalida)]
    [InlineData("2026-02-30 08:00:00", "12345678", "1.00", "0", RejectReason.FechaInvalida)]
    [InlineData("2026-01-05 08:00:00", "   ", "N/A", "x", RejectReason.DocumentoVacio)]
    [InlineData("2026-01-05 08:00:00", "", "1.00", "0", RejectReason.DocumentoVacio)]
    [InlineData("2026-01-05 08:00:00", "12345678", "12.", "", RejectReason.SaldoInvalido)]
    [InlineData("2026-01-05 08:00:00", "12345678", "1,234.56", "0", RejectReason.SaldoInvalido)]
    [InlineData("2026-01-05 08:00:00", "12345678", "1.00", "", RejectReason.DiasMoraInvalido)]
    [InlineData("2026-01-05 08:00:00", "12345678", "1.00", "7.5", RejectReason.DiasMoraInvalido)]
    public void RowWithSeveralProblemsCountsUnderTheFirstCheckThatFails(string fecha, string documento, string saldo, string diasMora, RejectReason expected)
    {
        var outcome = Check(new GestionesCsv().Row(fecha: fecha, documento: documento, saldo: saldo, diasMora: diasMora));

        Assert.False(outcome.Accepted);
        Assert.Equal(expected, outcome.Reason);
    }

    [Fact]
    public void PaddedValuesAreTrimmedBeforeTheChecks()
    {
        var outcome = Check(new GestionesCsv().Row(
            fecha: " 2026-01-05 08:30:00 ", documento: "  12345678 ", saldo: " -5.25 ", diasMora: " 7 "));

        Assert.True(outcome.Accepted);
        Assert.Equal("12345678", outcome.Documento);
        Assert.Equal(-525, outcome.SaldoCents);
        Assert.Equal(8, outcome.Hora);
        Assert.Equal(new DateOnly(2026, 1, 5).DayNumber, outcome.DayNumber);
        Assert.Equal(TramoMora.Of(7), outcome.Tramo);
    }

    [Fact]
    public void UnicodeWhitespaceIsTrimmedLikeSpaces()
    {
        var outcome = Check(new GestionesCsv().Row(
            fecha: "\u30002026-01-05 23:59:59\u00A0", documento: "\u2003 00012345\t", saldo: "\u00A012.5\u2009", diasMora: "\u202F-3\u3000"));

        Assert.True(outcome.Accepted);
        Assert.Equal("00012345", outcome.Documento);
        Assert.Equal(1250, outcome.SaldoCents);
        Assert.Equal(23, outcome.Hora);
        Assert.Equal(0, outcome.Tramo);
    }

    [Theory]
    [InlineData("\u00A0")]
    [InlineData("\u2003\u3000")]
    [InlineData("\t \t")]
    public void DocumentoOfOnlyWhitespaceIsEmpty(string documento)
    {
        var outcome = Check(new GestionesCsv().Row(documento: documento));
        Assert.Equal(RejectReason.DocumentoVacio, outcome.Reason);
    }

    [Fact]
    public void ClienteEjecutivoCanalAndTipificacionAreKeptAsRead()
    {
        var outcome = Check(new GestionesCsv().Row(cliente: "banco-a", ejecutivo: " ej0001 ", canal: "Sms ", tipificacion: "  promesa DE pago "));

        Assert.True(outcome.Accepted);
        Assert.Equal("banco-a", outcome.Cliente);
        Assert.Equal(" ej0001 ", outcome.Ejecutivo);
        Assert.Equal("Sms ", outcome.Canal);
        Assert.Equal("  promesa DE pago ", outcome.Tipificacion);
    }

    [Fact]
    public void ColumnsAreFoundByNameInAnyOrder()
    {
        var csv = "canal,dias_mora,saldo,tipificacion,ejecutivo,documento,fecha,cliente,extra\n"
            + "SMS,45,\"1234.56\",PDP,EJ0009,\"00012345\",2026-03-01 21:00:00,banco-z,ignored\n";
        using var reader = new CsvReader(CsvText.Stream(csv), "gestiones.csv");
        var columns = GestionCsv.Columns.Of(CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns));
        Assert.True(reader.Read());

        Assert.True(GestionCsv.TryAccept(reader, columns, out var record, out _));
        Assert.Equal("banco-z", Encoding.UTF8.GetString(record.Cliente));
        Assert.Equal("EJ0009", Encoding.UTF8.GetString(record.Ejecutivo));
        Assert.Equal("SMS", Encoding.UTF8.GetString(record.Canal));
        Assert.Equal("00012345", Encoding.UTF8.GetString(record.Documento));
        Assert.Equal(123456, record.SaldoCents);
        Assert.Equal(21, record.Hora);
        Assert.Equal(TramoMora.IndexOf("31-60"), record.Tramo);
    }

    [Fact]
    public void MissingColumnsAreNamed()
    {
        using var reader = new CsvReader(CsvText.Stream("gestion_id,cliente,fecha,ejecutivo,tipificacion,saldo,canal\n"), "gestiones.csv");

        var e = Assert.Throws<CsvFormatException>(() => CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns));

        Assert.StartsWith("gestiones.csv: missing columns documento, dias_mora", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderNamesAreTrimmedAndTheByteOrderMarkIgnored()
    {
        using var reader = new CsvReader(new MemoryStream("\uFEFF cliente ,fecha\r\n"u8.ToArray()), "x.csv");
        var schema = CsvSchema.ReadHeader(reader, ["cliente", "fecha"]);
        Assert.Equal(0, schema["cliente"]);
        Assert.Equal(1, schema["fecha"]);
    }

    [Fact]
    public void HeaderNamesAreCaseSensitive()
    {
        using var reader = new CsvReader(CsvText.Stream("Cliente,fecha\n"), "x.csv");
        var e = Assert.Throws<CsvFormatException>(() => CsvSchema.ReadHeader(reader, ["cliente", "fecha"]));
        Assert.Contains("missing column cliente", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedColumnIsRefused()
    {
        using var reader = new CsvReader(CsvText.Stream("cliente,fecha,cliente\n"), "x.csv");
        var e = Assert.Throws<CsvFormatException>(() => CsvSchema.ReadHeader(reader, ["cliente"]));
        Assert.Contains("'cliente' appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFileHasNoHeader()
    {
        using var reader = new CsvReader(CsvText.Stream("\n\n"), "gestiones.csv");
        var e = Assert.Throws<CsvFormatException>(() => CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns));
        Assert.StartsWith("gestiones.csv: the file is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordWithAnotherFieldCountThanTheHeaderNamesItsLine()
    {
        using var reader = new CsvReader(CsvText.Stream("a,b,c\n1,2,3\n\n1,2\n"), "x.csv");
        var schema = CsvSchema.ReadHeader(reader, ["a"]);
        Assert.True(reader.Read());
        schema.CheckFieldCount(reader);
        Assert.True(reader.Read());

        var e = Assert.Throws<CsvFormatException>(() => schema.CheckFieldCount(reader));

        Assert.Equal("x.csv: line 4: expected 3 fields as in the header, found 2", e.Message);
    }

    private static Outcome Check(GestionesCsv csv)
    {
        using var reader = new CsvReader(CsvText.Stream(csv.ToString()), "gestiones.csv");
        var columns = GestionCsv.Columns.Of(CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns));
        Assert.True(reader.Read());
        if (!GestionCsv.TryAccept(reader, columns, out var record, out var reason))
        {
            return new Outcome(false, reason);
        }

        return new Outcome(true, null)
        {
            Cliente = Encoding.UTF8.GetString(record.Cliente),
            Ejecutivo = Encoding.UTF8.GetString(record.Ejecutivo),
            Canal = Encoding.UTF8.GetString(record.Canal),
            Tipificacion = Encoding.UTF8.GetString(record.Tipificacion),
            Documento = Encoding.UTF8.GetString(record.Documento),
            DayNumber = record.DayNumber,
            Hora = record.Hora,
            SaldoCents = record.SaldoCents,
            Tramo = record.Tramo,
        };
    }

    private sealed record Outcome(bool Accepted, RejectReason? Reason)
    {
        public string? Cliente { get; init; }

        public string? Ejecutivo { get; init; }

        public string? Canal { get; init; }

        public string? Tipificacion { get; init; }

        public string? Documento { get; init; }

        public int DayNumber { get; init; }

        public int Hora { get; init; }

        public long SaldoCents { get; init; }

        public int Tramo { get; init; }
    }
}
