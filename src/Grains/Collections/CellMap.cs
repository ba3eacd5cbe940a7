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
/// Open-addressing table of metric cells whose slots hold the aggregates themselves, so that adding
/// a row to an existing cell touches one cache line. The table is split into
/// <see cref="Partitions"/> sub-tables by the top bits of the key's hash: a batch sorted by partition
/// first (<see cref="PartitionOf"/>) then works inside one sub-table at a time, small enough to stay
/// in the core's cache. Cells also get dense indexes (order of creation) for the (cell, documento)
/// pairs; <see cref="KeyOf"/> maps back. Keys are non-negative; -1 marks an empty slot.
/// </summary>
internal sealed class CellMap
{
    public const int PartitionBits = 4;
    public const int Partitions = 1 << PartitionBits;
    private const long Empty = -1;
    private readonly CellEntry[][] _slots = new CellEntry[Partitions][];
    private readonly int[] _used = new int[Partitions];
    private readonly int[] _growAt = new int[Partitions];
    private long[] _keys;
    private int _count;

    public CellMap(int capacity)
    {
        var size = SizeFor(Math.Max(8, capacity / Partitions));
        for (var p = 0; p < Partitions; p++)
        {
            Allocate(p, size);
        }

        _keys = new long[Math.Max(16, capacity)];
    }

    public int Count => _count;

    public long KeyOf(int cell) => _keys[cell];

    /// <summary>Every cell with its aggregates, in hash order.</summary>
    public Enumerator GetEnumerator() => new(_slots);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PartitionOf(long key) => (int)(((ulong)key * HashSizing.Golden) >> (64 - PartitionBits));

    /// <summary>The cell of <paramref name="key"/>, created empty when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref CellEntry GetOrAdd(long key)
    {
        var hash = (ulong)key * HashSizing.Golden;
        var p = (int)(hash >> (64 - PartitionBits));
        var slots = _slots[p];
        var size = slots.Length;

        // Tables of any size (not only powers of two, which would waste up to half of them):
        // the next 32 bits of the hash scaled to the size.
        var slot = (int)(((hash >> (32 - PartitionBits)) & 0xFFFFFFFFUL) * (ulong)size >> 32);
        while (true)
        {
            ref var entry = ref slots[slot];
            if (entry.Key == key)
            {
                return ref entry;
            }

            if (entry.Key == Empty)
            {
                if (_used[p] >= _growAt[p])
                {
                    Grow(p, size * 2);
                    return ref GetOrAdd(key);
                }

                _used[p]++;
                entry.Key = key;
                entry.Cell = _count;
                if (_count == _keys.Length)
                {
                    Array.Resize(ref _keys, _count * 2);
                }

                _keys[_count++] = key;
                return ref entry;
            }

            if (++slot == size)
            {
                slot = 0;
            }
        }
    }

    /// <summary>Makes room for <paramref name="count"/> cells in all (hashing spreads them evenly, with a margin).</summary>
    public void EnsureCapacity(int count)
    {
        var perPartition = (count / Partitions) + (count / (Partitions * 8)) + 8;
        for (var p = 0; p < Partitions; p++)
        {
            if (perPartition > _growAt[p])
            {
                Grow(p, SizeFor(perPartition));
            }
        }

        if (count > _keys.Length)
        {
            Array.Resize(ref _keys, Math.Max(count, _keys.Length * 2));
        }
    }

    /// <summary>Slots for <paramref name="entries"/> at a load of at most 3/4.</summary>
    private static int SizeFor(int entries) => checked((int)Math.Max(16, ((long)entries * 4 / 3) + 1));

    private void Grow(int p, int size)
    {
        var old = _slots[p];
        Allocate(p, size);
        var slots = _slots[p];
        foreach (ref readonly var entry in old.AsSpan())
        {
            if (entry.Key == Empty)
            {
                continue;
            }

            var hash = (ulong)entry.Key * HashSizing.Golden;
            var slot = (int)(((hash >> (32 - PartitionBits)) & 0xFFFFFFFFUL) * (ulong)size >> 32);
            while (slots[slot].Key != Empty)
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
        var slots = GC.AllocateUninitializedArray<CellEntry>(size);
        slots.AsSpan().Fill(new CellEntry { Key = Empty });
        _slots[p] = slots;
        _growAt[p] = size * 3 / 4;
    }

    /// <summary>Walks the occupied slots of every partition.</summary>
    public ref struct Enumerator
    {
        private readonly CellEntry[][] _partitions;
        private int _partition;
        private int _slot;

        internal Enumerator(CellEntry[][] partitions)
        {
            _partitions = partitions;
            _slot = -1;
        }

        public readonly ref readonly CellEntry Current => ref _partitions[_partition][_slot];

        public bool MoveNext()
        {
            while (_partition < _partitions.Length)
            {
                var slots = _partitions[_partition];
                while (++_slot < slots.Length)
                {
                    if (slots[_slot].Key != Empty)
                    {
                        return true;
                    }
                }

                _partition++;
                _slot = -1;
            }

            return false;
        }
    }
}
