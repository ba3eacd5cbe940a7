using System.Globalization;
using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;
using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Persistence;

/// <summary>Seeded batches, jornadas and day tables for the persistence tests, and a figure-by-figure comparison.</summary>
internal static class GeneratedGestiones
{
    public static readonly DateOnly Day = new(2026, 1, 5);

    private static readonly string[] s_canales = ["LLAMADA", "SMS", "WHATSAPP", "VISITA", "EMAIL"];

    // Spellings that normalise together, accents, an empty one.
    private static readonly string[] s_tipificaciones =
        ["CONTACTO TITULAR", "contacto titular ", "PROMESA DE PAGO", " Promesa de pago", "NO CONTESTA", "YA PAGÓ", "SIN GESTION", ""];

    private static readonly HomologationTable s_mapping = TheEngine.Mapping(
        ("CONTACTO TITULAR", "CONTACTO_DIRECTO", true, false),
        ("PROMESA DE PAGO", "PROMESA_PAGO", true, true),
        ("NO CONTESTA", "NO_CONTACTO", false, false),
        ("YA PAGÓ", "YA_PAGO", true, false));

    private static readonly MetricCatalog s_catalog = MetricCatalog.Create(
    [
        new MetricDefinition("promesas_sms", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"], ["SMS"])),
        new MetricDefinition("deudores_contactados", MetricKind.Distinct, new MetricWhere(["CONTACTO_DIRECTO", "PROMESA_PAGO"]), Field: "documento"),
        new MetricDefinition("saldo_llamada", MetricKind.Sum, new MetricWhere(Canal: ["LLAMADA"]), Field: "saldo"),
        new MetricDefinition("promesas_sms_por_hora", MetricKind.PerHour, Metric: "promesas_sms"),
    ]);

    private static readonly Dimension[][] s_groupings =
    [
        [],
        [Dimension.Ejecutivo],
        [Dimension.Canal, Dimension.TramoMora],
        [Dimension.Hora],
        [Dimension.Tipificacion, Dimension.Categoria],
        [Dimension.Dia, Dimension.Ejecutivo, Dimension.Hora, Dimension.Canal, Dimension.Tipificacion, Dimension.TramoMora],
    ];

    /// <summary>
    /// <paramref name="rows"/> gestiones of <paramref name="day"/> over <paramref name="ejecutivos"/> ejecutivos and about
    /// <paramref name="documentos"/> debtors (numeric ids, some with a leading zero, and some non-numeric ones).
    /// </summary>
    public static GestionBatch Batch(int seed, int rows, DateOnly? day = null, int ejecutivos = 40, int documentos = 20_000)
    {
        var random = new Random(seed);
        var dayNumber = (day ?? Day).DayNumber;
        var builder = new GestionBatchBuilder();
        for (var i = 0; i < rows; i++)
        {
            var e = random.Next(ejecutivos);
            var documento = random.Next(documentos);
            builder.Add(
                dayNumber,
                random.Next(24),
                e % 9 == 4 ? $"Peña-{e:000}" : $"EJ{e:000}",
                s_canales[random.Next(s_canales.Length)],
                s_tipificaciones[random.Next(s_tipificaciones.Length)],
                random.Next(TramoMora.Labels.Count),
                random.NextInt64(-100_000, 50_000_000),
                documento % 11 == 3 ? $"CE-{documento:000000}" : (documento % 13 == 5 ? "0" : string.Empty) + (10_000_000 + documento).ToString(CultureInfo.InvariantCulture));
        }

        return builder.Build();
    }

    /// <summary>Jornadas for some of the ejecutivos, including some with no gestiones and some reported twice.</summary>
    public static List<(string Ejecutivo, long HorasCents)> Jornadas(int seed, int ejecutivos = 45)
    {
        var random = new Random(seed);
        var jornadas = new List<(string, long)>();
        for (var e = 0; e < ejecutivos; e++)
        {
            if (random.Next(4) > 0)
            {
                var name = e % 9 == 4 ? $"Peña-{e:000}" : $"EJ{e:000}";
                jornadas.Add((name, random.Next(0, 1001)));
                if (random.Next(6) == 0)
                {
                    jornadas.Add((name, random.Next(0, 1001)));
                }
            }
        }

        return jornadas;
    }

    /// <summary>A day table of <paramref name="rows"/> gestiones applied in batches, with jornadas.</summary>
    public static MetricTable Table(int seed, int rows, int batchRows = 5_000, int documentos = 20_000)
    {
        var table = new MetricTable(Day);
        for (var done = 0; done < rows; done += batchRows)
        {
            table.ApplyDelta(new DayDelta(Batch(seed + done, Math.Min(batchRows, rows - done), documentos: documentos), Jornadas(seed + done)));
        }

        return table;
    }

    public static void AssertSameFigures(MetricTable expected, MetricTable actual)
    {
        Assert.Equal(expected.Day, actual.Day);
        Assert.Equal(expected.GestionCount, actual.GestionCount);
        Assert.Equal(expected.CellCount, actual.CellCount);
        Assert.Equal(expected.PairCount, actual.PairCount);
        var metrics = MetricCatalog.BuiltinNames.Concat(s_catalog.Definitions.Select(d => d.Name)).ToList();
        foreach (var groupBy in s_groupings)
        {
            var want = CsvResultWriter.ToCsv(TheEngine.Query([expected], s_mapping, groupBy, metrics, catalog: s_catalog));
            var got = CsvResultWriter.ToCsv(TheEngine.Query([actual], s_mapping, groupBy, metrics, catalog: s_catalog));
            Assert.Equal(want, got);
        }
    }

    public static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);
}
