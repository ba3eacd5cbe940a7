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
        int cliente = schema["cliente"], ejecutivo = schema["ejecutivo"], fecha = schema["fecha"], horas = schema["horas_trabajadas"];
        while (reader.Read())
        {
            schema.CheckFieldCount(reader);
            if (!Ingestion.GestionRules.TryParseDate(Utf8Text.Trim(reader.Field(fecha)), out var day))
            {
                reject?.Invoke(reader.Line, JornadaRejectReason.FechaInvalida);
                continue;
            }

            if (!GestionRules.TryParseCents(Utf8Text.Trim(reader.Field(horas)), out var cents) || cents < 0)
            {
                reject?.Invoke(reader.Line, JornadaRejectReason.HorasInvalidas);
                continue;
            }

            if (Utf8Text.Trim(reader.Field(ejecutivo)).IsEmpty)
            {
                reject?.Invoke(reader.Line, JornadaRejectReason.EjecutivoVacio);
                continue;
            }

            accept(new Jornada(
                Encoding.UTF8.GetString(reader.Field(cliente)),
                Encoding.UTF8.GetString(reader.Field(ejecutivo)),
                DateOnly.FromDayNumber(day),
                cents));
        }
    }
}
