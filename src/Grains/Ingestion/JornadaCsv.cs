using System.Text;
using Pulso.Grains.Csv;
using Pulso.Grains.Text;

namespace Pulso.Grains.Ingestion;

/// <summary>A valid jornada: hours an ejecutivo worked on a day.</summary>
public sealed record Jornada(string Cliente, string Ejecutivo, DateOnly Fecha, long HorasCents);

/// <summary>Why a jornada row was rejected.</summary>
public enum JornadaRejectReason
{
    FechaInvalida,
    HorasInvalidas,
    EjecutivoVacio,
}

/// <summary>The jornadas CSV layout (DESIGN 2.2): <c>cliente,ejecutivo,fecha,horas_trabajadas</c>.</summary>
public static class JornadaCsv
{
    public static readonly IReadOnlyList<string> RequiredColumns = ["cliente", "ejecutivo", "fecha", "horas_trabajadas"];

    /// <summary>
    /// Reads every row, calling <paramref name="accept"/> for valid ones and <paramref name="reject"/>
    /// (line, reason) for the others: fecha not a real <c>YYYY-MM-DD</c>, hours not a non-negative decimal
    /// with at most 2 places, or an empty ejecutivo.
    /// </summary>
    public static void Read(CsvReader reader, Action<Jornada> accept, Action<long, JornadaRejectReason>? reject = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(accept);
        var schema = CsvSchema.ReadHeader(reader, RequiredColumns);
        while (reader.Read())
        {
            schema.CheckFieldCount(reader);
            if (TryParse(reader, schema, out var jornada, out var reason))
            {
                accept(jornada);
            }
            else
            {
                reject?.Invoke(reader.Line, reason);
            }
        }
    }

    /// <summary>The current record as a jornada, or the reason it is rejected.</summary>
    public static bool TryParse(CsvReader reader, CsvSchema schema, out Jornada jornada, out JornadaRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(schema);
        // One implementation of the checks for every input format: the CSV record's fields as spans.
        var fields = new JornadaFields
        {
            Cliente = reader.Field(schema["cliente"]),
            Ejecutivo = reader.Field(schema["ejecutivo"]),
            Fecha = reader.Field(schema["fecha"]),
            HorasTrabajadas = reader.Field(schema["horas_trabajadas"]),
        };
        return fields.TryParse(out jornada, out reason);
    }
}
