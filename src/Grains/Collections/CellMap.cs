using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pulso.Grains.Collections;

/// <summary>A metric-table cell as stored in its hash slot: key, aggregates and dense index together.</summary>
internal struct CellEntry
{
    public long Key;
    public long SaldoCents;
    public int Count;
    public int Cell;
}

/// <summary>
/// Open-addressing table of metric cells whose slots hold the aggregates themselves, so that
/// adding a row to an existing cell touches one cache line. Cells also get dense indexes
/// (order of creation) for the (cell, documento) pairs; <see cref="KeyOf"/> maps back.
/// Keys are non-negative; -1 marks an empty slot.
/// </summary>
internal sealed class CellMap
{
    private const long Empty = -1;
    private CellEntry[] _slots;
    private long[] _keys;
    private int _shift;
    private int _count;
    private int _growAt;

    public CellMap(int capacity)
    {
        var size = HashSizing.TableSize(capacity);
        _slots = NewSlots(size);
        _keys = new long[Math.Max(16, capacity)];
        _shift = 64 - BitOperations.Log2((uint)size);
        _growAt = HashSizing.GrowThreshold(size);
    }

    public int Count => _count;

    /// <summary>The slots, for iteration: skip entries whose key is negative.</summary>
    public ReadOnlySpan<CellEntry> Slots => _slots;

    public long KeyOf(int cell) => _keys[cell];

    /// <summary>The cell of <paramref name="key"/>, created empty when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref CellEntry GetOrAdd(long key)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var slot = (int)(((ulong)key * HashSizing.Golden) >> _shift);
        while (true)
        {
            ref var entry = ref slots[slot];
            if (entry.Key == key)
            {
                return ref entry;
            }

            if (entry.Key == Empty)
            {
                if (_count >= _growAt)
                {
                    Grow();
                    return ref GetOrAdd(key);
                }

                entry.Key = key;
                entry.Cell = _count;
                if (_count == _keys.Length)
                {
                    Array.Resize(ref _keys, _count * 2);
                }

                _keys[_count++] = key;
                return ref entry;
            }

            slot = (slot + 1) & mask;
        }
    }

    private void Grow()
    {
        var old = _slots;
        var size = old.Length * 2;
        _slots = NewSlots(size);
        _shift = 64 - BitOperations.Log2((uint)size);
        _growAt = HashSizing.GrowThreshold(size);
        var mask = size - 1;
        foreach (ref readonly var entry in old.AsSpan())
        {
            if (entry.Key == Empty)
            {
                continue;
            }

            var slot = (int)(((ulong)entry.Key * HashSizing.Golden) >> _shift);
            while (_slots[slot].Key != Empty)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry;
        }
    }

    private static CellEntry[] NewSlots(int size)
    {
        var slots = GC.AllocateUninitializedArray<CellEntry>(size);
        slots.AsSpan().Fill(new CellEntry { Key = Empty });
        return slots;
    }
}
