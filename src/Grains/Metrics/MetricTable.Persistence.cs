using System.Text;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Metrics;

/// <summary>
/// The metric table's side of persistence: applying a journal entry, and the restore hooks that
/// <see cref="MetricTableCodec"/> uses to rebuild a table with the same ids, cells and pairs it had.
/// </summary>
public sealed partial class MetricTable
{
    /// <summary>
    /// Applies one journal entry: its gestiones (which must all fall on this table's day), then its jornadas in
    /// order, a later one replacing an earlier one. Cells that changed are added to <paramref name="changedCells"/>;
    /// ejecutivos whose jornada ends up different to <paramref name="changedJornadas"/>.
    /// </summary>
    public void ApplyDelta(DayDelta delta, ICollection<int>? changedCells = null, ICollection<string>? changedJornadas = null)
    {
        ArgumentNullException.ThrowIfNull(delta);
        foreach (var (ejecutivo, horasCents) in delta.Jornadas)
        {
            ArgumentNullException.ThrowIfNull(ejecutivo, nameof(delta));
            ArgumentOutOfRangeException.ThrowIfNegative(horasCents, nameof(delta));
        }

        if (delta.Gestiones is { } gestiones)
        {
            Apply(gestiones, changedCells);
        }

        if (delta.Jornadas.Count == 0)
        {
            return;
        }

        Dictionary<int, long>? before = changedJornadas is null ? null : [];
        foreach (var (ejecutivo, horasCents) in delta.Jornadas)
        {
            var bytes = Encoding.UTF8.GetBytes(ejecutivo);
            if (before is not null)
            {
                var id = Ejecutivos.IndexOf(bytes);
                if (id < 0 || !before.ContainsKey(id))
                {
                    // A new ejecutivo had no jornada; its id is the next one the pool hands out.
                    before[id < 0 ? Ejecutivos.Count : id] = id < 0 ? -1 : JornadaCents(id);
                }
            }

            SetJornada(bytes, horasCents);
        }

        if (before is not null)
        {
            foreach (var (id, cents) in before)
            {
                if (JornadaCents(id) != cents)
                {
                    changedJornadas!.Add(Ejecutivos.GetString(id));
                }
            }
        }
    }

    /// <summary>An empty table to be filled by the restore hooks, sized for what the image holds.</summary>
    internal static MetricTable ForRestore(DateOnly day, int cells, int pairs, int documentos) =>
        new(day, cells, pairs, documentos, 256);

    /// <summary>
    /// Restores the cell of dense index <paramref name="cell"/> (cells must come in index order). False when
    /// <paramref name="key"/> is already a cell: the image is damaged.
    /// </summary>
    internal bool RestoreCell(int cell, long key, int count, long saldoCents)
    {
        if (_cells.GetOrAdd(key) != cell)
        {
            return false;
        }

        _cells.CountOf(cell) = count;
        _cells.SaldoOf(cell) = saldoCents;
        _absSaldoBound = SaturatingAdd(_absSaldoBound, saldoCents == long.MinValue ? long.MaxValue : Math.Abs(saldoCents));
        return true;
    }

    /// <summary>Restores the distinct (cell &lt;&lt; 32 | documento) pairs, given in ascending order.</summary>
    internal void RestorePairs(ReadOnlySpan<long> pairs)
    {
        _pairs.EnsureCapacity(pairs.Length);
        foreach (var pair in pairs)
        {
            _pairs.Add(pair);
        }
    }

    /// <summary>Restores the jornada cents per ejecutivo id (-1 = none) and the gestiones count.</summary>
    internal void RestoreTotals(long[] jornadaCents, long gestiones)
    {
        if (jornadaCents.Length > _jornadaCents.Length)
        {
            _jornadaCents = jornadaCents;
        }
        else
        {
            jornadaCents.CopyTo(_jornadaCents, 0);
        }

        GestionCount = gestiones;
    }
}
