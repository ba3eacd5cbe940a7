using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Pulso.Grains.Collections;

/// <summary>A metric-table cell as read back: key, dense index and aggregates.</summary>
internal readonly struct CellEntry(long key, int cell, int count, long saldoCents)
{
    public long Key { get; } = key;

    public int Cell { get; } = cell;

    public int Count { get; } = count;

    public long SaldoCents { get; } = saldoCents;
}

/// <summary>
/// Open-addressing table of metric cells. Cells have dense indexes (order of creation), which the
/// (cell, documento) pairs use; key, count and saldo live in arrays by dense index, and the hash
/// slots hold only that index (4 bytes a slot), so that a fresh table's memory is mostly what it
/// keeps. The table is split into <see cref="Partitions"/> sub-tables by the top bits of the key's
/// hash: a batch sorted by partition first (<see cref="PartitionOf"/>) then works inside one
/// sub-table at a time, and the cells it creates there get consecutive indexes, so the probes'
/// key comparisons and the aggregate updates stay in the core's cache.
/// </summary>
internal sealed class CellMap
{
    public const int PartitionBits = 4;
    public const int Partitions = 1 << PartitionBits;
    private readonly int[][] _slots = new int[Partitions][]; // dense index + 1; 0 = empty
    private readonly int[] _used = new int[Partitions];
    private readonly int[] _growAt = new int[Partitions];
    private long[] _keys;
    private int[] _counts;
    private long[] _saldos;
    private int _count;

    public CellMap(int capacity)
    {
        var size = SizeFor(Math.Max(8, capacity / Partitions));
        for (var p = 0; p < Partitions; p++)
        {
            Allocate(p, size);
        }

        var dense = Math.Max(16, capacity);
        _keys = GC.AllocateUninitializedArray<long>(dense);
        _counts = GC.AllocateUninitializedArray<int>(dense);
        _saldos = GC.AllocateUninitializedArray<long>(dense);
    }

    public int Count => _count;

    public long KeyOf(int cell) => _keys[cell];

    /// <summary>The gestiones count of cell <paramref name="cell"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref int CountOf(int cell) => ref _counts[cell];

    /// <summary>The saldo sum in cents of cell <paramref name="cell"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref long SaldoOf(int cell) => ref _saldos[cell];

    /// <summary>Every cell with its aggregates, in order of dense index.</summary>
    public Enumerator GetEnumerator() => new(this);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PartitionOf(long key) => (int)(((ulong)key * HashSizing.Golden) >> (64 - PartitionBits));

    /// <summary>The dense index of the cell of <paramref name="key"/>, created with zero aggregates when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(long key)
    {
        var hash = (ulong)key * HashSizing.Golden;
        var p = (int)(hash >> (64 - PartitionBits));
        var slots = _slots[p];
        var size = slots.Length;

        // Tables of any size (not only powers of two, which would waste up to half of them):
        // the next 32 bits of the hash scaled to the size.
        var slot = SlotOf(hash, size);
        var keys = _keys;
        while (true)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                return Insert(p, slot, key);
            }

            if (keys[entry - 1] == key)
            {
                return entry - 1;
            }

            if (++slot == size)
            {
                slot = 0;
            }
        }
    }

    /// <summary>Slots of the sub-tables together (how often they were rebuilt is visible in their growth).</summary>
    internal int SlotCount => _slots.Sum(s => s.Length);

    /// <summary>Makes room for <paramref name="count"/> cells in all (hashing spreads them evenly, with a margin).</summary>
    public void EnsureCapacity(int count)
    {
        var perPartition = (count / Partitions) + (count / (Partitions * 8)) + 8;
        for (var p = 0; p < Partitions; p++)
        {
            if (perPartition > _growAt[p])
            {
                Grow(p, Math.Max(SizeFor(perPartition), _slots[p].Length * 2));
            }
        }

        EnsureDense(count);
    }

    /// <summary>
    /// Makes room for at most <paramref name="added"/>[p] new cells in each partition p (a batch's rows counted
    /// by <see cref="PartitionOf"/> their key): no sub-table is sized for more than it can receive.
    /// </summary>
    public void EnsureCapacity(ReadOnlySpan<int> added)
    {
        var total = 0;
        for (var p = 0; p < Partitions; p++)
        {
            var wanted = _used[p] + added[p];
            if (wanted > _growAt[p])
            {
                // At least doubled: each batch asks for its own rows on top of the cells in use, so growing to the
                // exact need would rehash the partition again on the next batch.
                Grow(p, Math.Max(SizeFor(wanted), _slots[p].Length * 2));
            }

            total += added[p];
        }

        EnsureDense(_count + total);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ulong hash, int size) => (int)(((hash >> (32 - PartitionBits)) & 0xFFFFFFFFUL) * (ulong)size >> 32);

    /// <summary>Slots for <paramref name="entries"/> at a load of at most 3/4.</summary>
    private static int SizeFor(int entries) => checked((int)Math.Max(16, ((long)entries * 4 / 3) + 1));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Insert(int p, int slot, long key)
    {
        if (_used[p] >= _growAt[p])
        {
            Grow(p, _slots[p].Length * 2);
            return GetOrAdd(key);
        }

        var cell = _count;
        if (cell == _keys.Length)
        {
            EnsureDense(checked(cell * 2));
        }

        _used[p]++;
        _slots[p][slot] = cell + 1;
        _keys[cell] = key;
        _counts[cell] = 0;
        _saldos[cell] = 0;
        _count = cell + 1;
        return cell;
    }

    private void EnsureDense(int count)
    {
        if (count <= _keys.Length)
        {
            return;
        }

        var size = Math.Max(count, _keys.Length * 2);
        _keys = Resized(_keys, size, _count);
        _counts = Resized(_counts, size, _count);
        _saldos = Resized(_saldos, size, _count);
    }

    private static T[] Resized<T>(T[] array, int size, int used)
    {
        // Only the used part is copied; the rest is written when a cell is created.
        var resized = GC.AllocateUninitializedArray<T>(size);
        array.AsSpan(0, used).CopyTo(resized);
        return resized;
    }

    private void Grow(int p, int size)
    {
        var old = _slots[p];
        Allocate(p, size);
        var slots = _slots[p];
        foreach (var entry in old)
        {
            if (entry == 0)
            {
                continue;
            }

            var slot = SlotOf((ulong)_keys[entry - 1] * HashSizing.Golden, size);
            while (slots[slot] != 0)
            {
                if (++slot == size)
                {
                    slot = 0;
                }
            }

            slots[slot] = entry;
        }
    }

    private void Allocate(int p, int size)
    {
        _slots[p] = new int[size];
        _growAt[p] = size * 3 / 4;
    }

    /// <summary>Walks the cells in order of dense index.</summary>
    public struct Enumerator
    {
        private readonly CellMap _map;
        private int _cell;
        private CellEntry _current;

        internal Enumerator(CellMap map)
        {
            _map = map;
            _cell = -1;
        }

        [UnscopedRef]
        public readonly ref readonly CellEntry Current => ref _current;

        public bool MoveNext()
        {
            if (++_cell >= _map._count)
            {
                return false;
            }

            _current = new CellEntry(_map._keys[_cell], _cell, _map._counts[_cell], _map._saldos[_cell]);
            return true;
        }
    }
}
