using System.Text;
using Pulso.Grains.Text;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// The fields of one jornada as UTF-8 values, wherever they were read from: the span counterpart of a CSV
/// record for <see cref="JornadaCsv"/>'s checks.
/// </summary>
public readonly ref struct JornadaFields
{
    public ReadOnlySpan<byte> Cliente { get; init; }

    public ReadOnlySpan<byte> Ejecutivo { get; init; }

    public ReadOnlySpan<byte> Fecha { get; init; }

    public ReadOnlySpan<byte> HorasTrabajadas { get; init; }

    /// <summary>
    /// The checks of <see cref="JornadaCsv.TryParse"/> in the same order: fecha a real <c>YYYY-MM-DD</c>,
    /// hours a non-negative decimal with at most 2 places, ejecutivo not empty.
    /// </summary>
    public bool TryParse(out Jornada jornada, out JornadaRejectReason reason)
    {
        jornada = null!;
        if (!GestionRules.TryParseDate(Utf8Text.Trim(Fecha), out var day))
        {
            reason = JornadaRejectReason.FechaInvalida;
            return false;
        }

        if (!GestionRules.TryParseCents(Utf8Text.Trim(HorasTrabajadas), out var cents) || cents < 0)
        {
            reason = JornadaRejectReason.HorasInvalidas;
            return false;
        }

        if (Utf8Text.Trim(Ejecutivo).IsEmpty)
        {
            reason = JornadaRejectReason.EjecutivoVacio;
            return false;
        }

        reason = default;
        jornada = new Jornada(Encoding.UTF8.GetString(Cliente), Encoding.UTF8.GetString(Ejecutivo), DateOnly.FromDayNumber(day), cents);
        return true;
    }
}
