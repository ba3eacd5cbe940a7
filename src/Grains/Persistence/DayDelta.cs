using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Persistence;

/// <summary>
/// What one journal entry of a day's metric table holds: the accepted gestiones of one batch that fall on
/// that day, and the jornadas the batch reported for it (a later jornada of the same ejecutivo replaces an
/// earlier one). Replaying a day's entries in sequence order on an empty table rebuilds the table.
/// </summary>
public sealed class DayDelta
{
    public DayDelta(GestionBatch? gestiones, IReadOnlyList<(string Ejecutivo, long HorasCents)>? jornadas = null)
    {
        Gestiones = gestiones;
        Jornadas = jornadas ?? [];
    }

    /// <summary>The batch's rows of this day, or null when the batch only carried jornadas.</summary>
    public GestionBatch? Gestiones { get; }

    /// <summary>Hours worked per ejecutivo, in cents, in the order they were reported.</summary>
    public IReadOnlyList<(string Ejecutivo, long HorasCents)> Jornadas { get; }

    /// <summary>True when applying the delta changes nothing.</summary>
    public bool IsEmpty => (Gestiones is null || Gestiones.Count == 0) && Jornadas.Count == 0;
}
