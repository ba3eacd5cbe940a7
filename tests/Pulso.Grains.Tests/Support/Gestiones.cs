using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Tests.Support;

/// <summary>One accepted gestión, as a source delivers it once validation has passed.</summary>
internal readonly record struct GestionRow(DateOnly Day, int Hora, string Ejecutivo, string Canal, string Tipificacion, int Tramo, long SaldoCents, string Documento);

/// <summary>Deterministic gestiones and the batches the import command would build from them.</summary>
internal static class Gestiones
{
    public static readonly string[] Canales = ["LLAMADA", "SMS", "WHATSAPP", "VISITA", "EMAIL"];

    /// <summary>Raw spellings, as tenants type them: case and spaces vary; the last one has no mapping.</summary>
    public static readonly string[] Tipificaciones =
        ["Contacto Titular", "  promesa de pago ", "PROMESA DE PAGO", "No Contesta", "Ya pagó", "NUMERO ERRADO", "mensaje de voz"];

    public static List<GestionRow> Generate(int seed, int count, IReadOnlyList<DateOnly> days, int ejecutivos = 6, int documentos = 400)
    {
        var random = new Random(seed);
        var rows = new List<GestionRow>(count);
        for (var i = 0; i < count; i++)
        {
            rows.Add(new GestionRow(
                days[random.Next(days.Count)],
                random.Next(24),
                Ejecutivo(random.Next(ejecutivos)),
                Canales[random.Next(Canales.Length)],
                Tipificaciones[random.Next(Tipificaciones.Length)],
                random.Next(6),
                random.NextInt64(-50_000, 2_000_000),
                $"D{random.Next(documentos):000000}"));
        }

        return rows;
    }

    public static string Ejecutivo(int index) => $"ej-{index:00}";

    public static GestionBatch Build(IEnumerable<GestionRow> rows)
    {
        var builder = new GestionBatchBuilder();
        foreach (var row in rows)
        {
            builder.Add(row.Day.DayNumber, row.Hora, row.Ejecutivo, row.Canal, row.Tipificacion, row.Tramo, row.SaldoCents, row.Documento);
        }

        return builder.Build();
    }

    /// <summary>As the import command sends a batch: one day batch per day its rows touch, all with the batch's id.</summary>
    public static List<DayBatch> DayBatches(string batchId, IEnumerable<GestionRow> rows)
    {
        var batch = Build(rows);
        return [.. batch.Days().Select(day => batch.ToDayBatch(batchId, DateOnly.FromDayNumber(day)))];
    }

    /// <summary>The single day batch of rows that all fall on one day.</summary>
    public static DayBatch DayBatch(string batchId, IReadOnlyCollection<GestionRow> rows) => Assert.Single(DayBatches(batchId, rows));

    /// <summary>A batch that only reports jornadas (hours worked per ejecutivo, in cents) for a day.</summary>
    public static DayBatch Jornadas(string batchId, DateOnly day, IReadOnlyList<(string Ejecutivo, long HorasCents)> hours) =>
        new GestionBatchBuilder().Build().ToDayBatch(batchId, day, hours);

    /// <summary>A content hash, as the import command derives batch ids from the file it reads.</summary>
    public static string ContentHash(IEnumerable<GestionRow> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Day:yyyy-MM-dd}|{row.Hora}|{row.Ejecutivo}|{row.Canal}|{row.Tipificacion}|{row.Tramo}|{row.SaldoCents}|{row.Documento}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
