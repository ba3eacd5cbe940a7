using System.Runtime.CompilerServices;
using Pulso.Grains.Csv;
using Pulso.Grains.Text;

namespace Pulso.Grains.Ingestion;

/// <summary>An accepted gestión as views into the reader's buffer: valid until the reader moves on.</summary>
public readonly ref struct GestionRecord
{
    public ReadOnlySpan<byte> Cliente { get; init; }

    public ReadOnlySpan<byte> Ejecutivo { get; init; }

    public ReadOnlySpan<byte> Canal { get; init; }

    /// <summary>The tipificación as read (normalised later, once per distinct spelling).</summary>
    public ReadOnlySpan<byte> Tipificacion { get; init; }

    /// <summary>The trimmed documento.</summary>
    public ReadOnlySpan<byte> Documento { get; init; }

    public int DayNumber { get; init; }

    public int Hora { get; init; }

    public long SaldoCents { get; init; }

    public int Tramo { get; init; }
}

/// <summary>The gestiones CSV layout (DESIGN 2.1) and the per-row checks of DESIGN 2.4.</summary>
public static class GestionCsv
{
    public static readonly IReadOnlyList<string> RequiredColumns =
        ["cliente", "fecha", "documento", "ejecutivo", "tipificacion", "saldo", "dias_mora", "canal"];

    /// <summary>Column indexes, resolved once per file.</summary>
    public readonly record struct Columns(int Cliente, int Fecha, int Documento, int Ejecutivo, int Tipificacion, int Saldo, int DiasMora, int Canal)
    {
        public static Columns Of(CsvSchema schema) => new(
            schema["cliente"], schema["fecha"], schema["documento"], schema["ejecutivo"],
            schema["tipificacion"], schema["saldo"], schema["dias_mora"], schema["canal"]);
    }

    /// <summary>Checks the current record in order (fecha, documento, saldo, dias_mora); true with the record, or false with the first failing reason.</summary>
    public static bool TryAccept(CsvReader reader, in Columns c, out GestionRecord record, out RejectReason reason)
    {
        var cache = default(FechaCache);
        return TryAccept(reader, c, ref cache, out record, out reason);
    }

    /// <summary><see cref="TryAccept(CsvReader, in Columns, out GestionRecord, out RejectReason)"/> with a date cache kept by the caller across rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAccept(CsvReader reader, in Columns c, scoped ref FechaCache fechas, out GestionRecord record, out RejectReason reason)
    {
        // One implementation of the checks for every input format: the CSV record's fields as spans.
        var fields = new GestionFields
        {
            Cliente = reader.Field(c.Cliente),
            Fecha = reader.Field(c.Fecha),
            Documento = reader.Field(c.Documento),
            Ejecutivo = reader.Field(c.Ejecutivo),
            Tipificacion = reader.Field(c.Tipificacion),
            Saldo = reader.Field(c.Saldo),
            DiasMora = reader.Field(c.DiasMora),
            Canal = reader.Field(c.Canal),
        };
        return fields.TryAccept(ref fechas, out record, out reason);
    }
}
