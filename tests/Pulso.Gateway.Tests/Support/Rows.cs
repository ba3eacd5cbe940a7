using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;
using Pulso.Grains.Abstractions.Metrics;

namespace Pulso.Gateway.Tests.Support;

/// <summary>Gestiones as text fields, rendered as CSV, a JSON array or NDJSON, and their figures by the engine alone.</summary>
internal static class Rows
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly string[] Columns = ["cliente", "fecha", "documento", "ejecutivo", "tipificacion", "saldo", "dias_mora", "canal"];

    public static string[] Gestion(string cliente, string fecha, string documento, string ejecutivo, string tipificacion, string saldo, string diasMora, string canal = "LLAMADA") =>
        [cliente, fecha, documento, ejecutivo, tipificacion, saldo, diasMora, canal];

    /// <summary>A varied valid day set: several ejecutivos, two days, negative and whole saldos, every tramo.</summary>
    public static List<string[]> Sample(string tenant) =>
    [
        Gestion(tenant, "2025-03-01 08:15:00", "100", "EJ01", "Contacto Directo", "150.50", "0"),
        Gestion(tenant, "2025-03-01 09:00:00", " 100 ", "EJ01", "promesa de pago", "-20", "45", "SMS"),
        Gestion(tenant, "2025-03-01 10:30:59", "200", "EJ02", "NO CONTESTA", "0.05", "95", "WHATSAPP"),
        Gestion(tenant, "2025-03-01 23:59:59", "300", "EJ02", "  Buzón de voz ", "1234567.89", "400", "VISITA"),
        Gestion(tenant, "2025-03-02 00:00:00", "100", "EJ01", "Contacto Directo", "10.1", "-3", "EMAIL"),
        Gestion(tenant, "2025-03-02 12:00:00", "400", "EJ03", "Ya pago", "99", "200"),
    ];

    public static string Csv(IEnumerable<string[]> rows)
    {
        var text = new StringBuilder(string.Join(',', Columns)).Append('\n');
        foreach (var row in rows)
        {
            text.Append(string.Join(',', row.Select(Quote))).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A JSON array; <paramref name="numbers"/> writes saldo and dias_mora as JSON numbers (their literal text).</summary>
    public static string Json(IEnumerable<string[]> rows, bool numbers = false) =>
        "[\n" + string.Join(",\n", rows.Select(r => Object(r, numbers))) + "\n]";

    public static string Ndjson(IEnumerable<string[]> rows, bool numbers = false) =>
        string.Join("\n", rows.Select(r => Object(r, numbers))) + "\n";

    public static string Object(string[] row, bool numbers = false)
    {
        // Non-ASCII text as UTF-8, not \u escapes, the way most clients write it.
        var fields = Columns.Select((c, i) =>
            $"{JsonSerializer.Serialize(c, s_json)}:{(numbers && c is "saldo" or "dias_mora" ? row[i].Trim() : JsonSerializer.Serialize(row[i], s_json))}");
        return "{" + string.Join(",", fields) + "}";
    }

    /// <summary>The snapshot CSV the engine computes from the same rows read as CSV (no grain, no gateway).</summary>
    public static string EngineCsv(string csv, DateOnly from, DateOnly to, string[] groupBy)
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "expected");
        var schema = CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns);
        var columns = GestionCsv.Columns.Of(schema);
        var builder = new GestionBatchBuilder();
        while (reader.Read())
        {
            if (GestionCsv.TryAccept(reader, columns, out var record, out _))
            {
                builder.Add(record);
            }
        }

        var batch = builder.Build();
        var tables = batch.Days().Select(d =>
        {
            var table = new MetricTable(DateOnly.FromDayNumber(d));
            table.Apply(batch.ForDay(d));
            return table;
        }).ToList();
        var query = new MetricQueryContract(from, to, groupBy, [.. MetricCatalog.BuiltinNames], new Dictionary<string, string[]>()).ToQuery(MetricCatalog.Builtin);
        return CsvResultWriter.ToCsv(QueryEvaluator.Evaluate(tables, query, HomologationTable.Empty, MetricCatalog.Builtin));
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
