using System.Runtime.CompilerServices;
using Pulso.Grains.Text;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// The fields of one gestión as UTF-8 values, wherever they were read from (a JSON object, an NDJSON line):
/// the span counterpart of a CSV record for <see cref="GestionCsv"/>'s checks.
/// </summary>
public readonly ref struct GestionFields
{
    public ReadOnlySpan<byte> Cliente { get; init; }

    public ReadOnlySpan<byte> Fecha { get; init; }

    public ReadOnlySpan<byte> Documento { get; init; }

    public ReadOnlySpan<byte> Ejecutivo { get; init; }

    public ReadOnlySpan<byte> Tipificacion { get; init; }

    public ReadOnlySpan<byte> Saldo { get; init; }

    public ReadOnlySpan<byte> DiasMora { get; init; }

    public ReadOnlySpan<byte> Canal { get; init; }

    /// <summary>
    /// The checks of DESIGN 2.4 in order (fecha, documento, saldo, dias_mora) through <see cref="GestionRules"/>,
    /// exactly as <see cref="GestionCsv.TryAccept(Csv.CsvReader, in GestionCsv.Columns, ref FechaCache, out GestionRecord, out RejectReason)"/>
    /// runs them on a CSV record: true with the record, or false with the first failing reason.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAccept(scoped ref FechaCache fechas, out GestionRecord record, out RejectReason reason)
    {
        record = default;
        if (!GestionRules.TryParseFecha(Utf8Text.Trim(Fecha), ref fechas, out var day, out var hour))
        {
            reason = RejectReason.FechaInvalida;
            return false;
        }

        var documento = Utf8Text.Trim(Documento);
        if (documento.IsEmpty)
        {
            reason = RejectReason.DocumentoVacio;
            return false;
        }

        if (!GestionRules.TryParseCents(Utf8Text.Trim(Saldo), out var cents))
        {
            reason = RejectReason.SaldoInvalido;
            return false;
        }

        if (!GestionRules.TryParseDiasMora(Utf8Text.Trim(DiasMora), out var dias))
        {
            reason = RejectReason.DiasMoraInvalido;
            return false;
        }

        reason = default;
        record = new GestionRecord
        {
            Cliente = Cliente,
            Ejecutivo = Ejecutivo,
            Canal = Canal,
            Tipificacion = Tipificacion,
            Documento = documento,
            DayNumber = day,
            Hora = hour,
            SaldoCents = cents,
            Tramo = Metrics.TramoMora.Of(dias),
        };
        return true;
    }
}
