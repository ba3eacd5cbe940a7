using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;
using Pulso.Grains.Ingestion;

namespace Pulso.Engine.Tests.Ingestion;

public sealed class JornadaCsvTests
{
    [Fact]
    public void ValidJornadasAreReadAndBadOnesRejectedWithTheirLine()
    {
        var csv = "cliente,ejecutivo,fecha,horas_trabajadas\n"
            + "banco-a,EJ0001,2026-01-05,8.00\n"
            + "banco-a,EJ0002, 2024-02-29 ,\" 6.4 \"\n"
            + "banco-a,EJ0003,2026-02-30,8.00\n"
            + "banco-a,EJ0004,2026-01-05,-1.00\n"
            + "banco-a,EJ0005,2026-01-05,8.001\n"
            + "banco-a,\" \",2026-01-05,8.00\n"
            + "banco-a,EJ0006,2026-01-05,0\n"
            + "banco-a,EJ0007,05/01/2026,8.00\n";
        var accepted = new List<Jornada>();
        var rejected = new List<(long Line, JornadaRejectReason Reason)>();

        using (var reader = new CsvReader(CsvText.Stream(csv), "jornadas.csv"))
        {
            JornadaCsv.Read(reader, accepted.Add, (line, reason) => rejected.Add((line, reason)));
        }

        Assert.Equal(
            [
                new Jornada("banco-a", "EJ0001", new DateOnly(2026, 1, 5), 800),
                new Jornada("banco-a", "EJ0002", new DateOnly(2024, 2, 29), 640),
                new Jornada("banco-a", "EJ0006", new DateOnly(2026, 1, 5), 0),
            ],
            accepted);
        Assert.Equal(
            [
                (4L, JornadaRejectReason.FechaInvalida),
                (5L, JornadaRejectReason.HorasInvalidas),
                (6L, JornadaRejectReason.HorasInvalidas),
                (7L, JornadaRejectReason.EjecutivoVacio),
                (9L, JornadaRejectReason.FechaInvalida),
            ],
            rejected);
    }

    [Fact]
    public void ColumnsAreFoundByNameAndMissingOnesNamed()
    {
        var accepted = new List<Jornada>();
        using (var reader = new CsvReader(CsvText.Stream("horas_trabajadas,fecha,ejecutivo,cliente\n7.50,2026-01-05,EJ0001,banco-b\n"), "jornadas.csv"))
        {
            JornadaCsv.Read(reader, accepted.Add);
        }

        Assert.Equal(new Jornada("banco-b", "EJ0001", new DateOnly(2026, 1, 5), 750), Assert.Single(accepted));

        using var bad = new CsvReader(CsvText.Stream("cliente,ejecutivo,fecha\n"), "jornadas.csv");
        var e = Assert.Throws<CsvFormatException>(() => JornadaCsv.Read(bad, _ => { }));
        Assert.Contains("missing column horas_trabajadas", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowWithMissingFieldsNamesItsLine()
    {
        using var reader = new CsvReader(CsvText.Stream("cliente,ejecutivo,fecha,horas_trabajadas\nbanco-a,EJ0001,2026-01-05,8.00\nbanco-a,EJ0001\n"), "jornadas.csv");

        var e = Assert.Throws<CsvFormatException>(() => JornadaCsv.Read(reader, _ => { }));

        Assert.StartsWith("jornadas.csv: line 3: expected 4 fields", e.Message, StringComparison.Ordinal);
    }
}
