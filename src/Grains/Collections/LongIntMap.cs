using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pulso.Grains.Collections;

/// <summary>
/// Open-addressing map from non-negative 64-bit keys to 32-bit values: the hot-path index of
/// the metric table (cells, documents). Negative keys are reserved as the empty marker.
/// </summary>
internal sealed class LongIntMap
{
    private const long Empty = -1;
    private Entry[] _slots;
    private int _count;
    private int _growAt;

    public LongIntMap(int capacity = 16)
    {
        var size = HashSizing.ExactSize(capacity);
        _slots = NewSlots(size);
        _growAt = HashSizing.GrowThreshold(size);
    }

    public int Count => _count;

    /// <summary>Slots of the hash table (how often it was rebuilt is visible in its growth).</summary>
    internal int SlotCount => _slots.Length;

    /// <summary>Returns the value stored under <paramref name="key"/>, or stores and returns <paramref name="valueIfAbsent"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(long key, int valueIfAbsent)
    {
        var slots = _slots;
        var size = slots.Length;
        var slot = HashSizing.SlotOf(key, size);
        while (true)
        {
            ref var entry = ref slots[slot];
            if (entry.Key == key)
            {
                return entry.Value;
            }

            if (entry.Key == Empty)
            {
                if (_count >= _growAt)
                {
                    Grow();
                    return GetOrAdd(key, valueIfAbsent);
                }

                entry.Key = key;
                entry.Value = valueIfAbsent;
                _count++;
                return valueIfAbsent;
            }

            if (++slot == size)
            {
                slot = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(long key, out int value)
    {
        var slots = _slots;
        var size = slots.Length;
        var slot = HashSizing.SlotOf(key, size);
        while (true)
        {
            ref var entry = ref slots[slot];
            if (entry.Key == key)
            {
                value = entry.Value;
                return true;
            }

            if (entry.Key == Empty)
            {
                value = 0;
                return false;
            }

            if (++slot == size)
            {
                slot = 0;
            }
        }
    }

    /// <summary>Makes room for <paramref name="count"/> entries in all without growing on the way.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _growAt)
        {
            // At least doubled, so that a series of small increments rehashes a logarithmic number of times.
            Grow(Math.Max(HashSizing.ExactSize(count), _slots.Length * 2));
        }
    }

    private void Grow() => Grow(_slots.Length * 2);

    private void Grow(int size)
    {
        var old = _slots;
        _slots = NewSlots(size);
        _growAt = HashSizing.GrowThreshold(size);
        foreach (var entry in old)
        {
            if (entry.Key == Empty)
            {
                continue;
            }

            var slot = HashSizing.SlotOf(entry.Key, size);
            while (_slots[slot].Key != Empty)
            {
                if (++slot == size)
                {
                    slot = 0;
                }
            }

            _slots[slot] = entry;
        }
    }

    private static Entry[] NewSlots(int size)
    {
        var slots = GC.AllocateUninitializedArray<Entry>(size);
        slots.AsSpan().Fill(new Entry { Key = Empty });
        return slots;
    }

    // Key and value side by side: a probe touches one cache line.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct Entry
    {
        public long Key;
        public int Value;
    }
}

/// <summary>Open-addressing set of non-negative 64-bit keys (document pairs of the metric table).</summary>
internal sealed class LongSet
{
    private const long Empty = -1;
    private long[] _keys;
    private int _shift;
    private int _count;
    private int _growAt;

    public LongSet(int capacity = 16)
    {
        var size = HashSizing.TableSize(capacity);
        _keys = NewKeys(size);
        _shift = 64 - BitOperations.Log2((uint)size);
        _growAt = HashSizing.GrowThreshold(size);
    }

    public int Count => _count;

    /// <summary>Adds the key; true when it was not present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(long key)
    {
        var keys = _keys;
        var mask = keys.Length - 1;
        var slot = (int)(((ulong)key * HashSizing.Golden) >> _shift);
        while (true)
        {
            var k = keys[slot];
            if (k == key)
            {
                return false;
            }

            if (k == Empty)
            {
                if (_count >= _growAt)
                {
                    Grow();
                    return Add(key);
                }

                keys[slot] = key;
                _count++;
                return true;
            }

            slot = (slot + 1) & mask;
        }
    }

    public bool Contains(long key)
    {
        var keys = _keys;
        var mask = keys.Length - 1;
        var slot = (int)(((ulong)key * HashSizing.Golden) >> _shift);
        while (true)
        {
            var k = keys[slot];
            if (k == key)
            {
                return true;
            }

            if (k == Empty)
            {
                return false;
            }

            slot = (slot + 1) & mask;
        }
    }

    public void Clear()
    {
        if (_count > 0)
        {
            Array.Fill(_keys, Empty);
            _count = 0;
        }
    }

    /// <summary>Copies the members into <paramref name="destination"/> (unordered); returns how many.</summary>
    public int CopyTo(Span<long> destination)
    {
        var n = 0;
        foreach (var key in _keys)
        {
            if (key != Empty)
            {
                destination[n++] = key;
            }
        }

        return n;
    }

    /// <summary>The raw slot array for allocation-free iteration: skip negative entries.</summary>
    public ReadOnlySpan<long> Slots => _keys;

    /// <summary>Makes room for <paramref name="count"/> members in all without growing on the way.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _growAt)
        {
            Grow(HashSizing.TableSize(count));
        }
    }

    private void Grow() => Grow(_keys.Length * 2);

    private void Grow(int size)
    {
        var oldKeys = _keys;
        _keys = NewKeys(size);
        _shift = 64 - BitOperations.Log2((uint)size);
        _growAt = HashSizing.GrowThreshold(size);
        var mask = size - 1;
        foreach (var key in oldKeys)
        {
            if (key == Empty)
            {
                continue;
            }

            var slot = (int)(((ulong)key * HashSizing.Golden) >> _shift);
            while (_keys[slot] != Empty)
            {
                slot = (slot + 1) & mask;
            }

            _keys[slot] = key;
        }
    }

    private static long[] NewKeys(int size)
    {
        var keys = GC.AllocateUninitializedArray<long>(size);
        Array.Fill(keys, Empty);
        return keys;
    }
}

internal static class HashSizing
{
    /// <summary>2^64 / golden ratio: Fibonacci hashing spreads sequential ids over the table.</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    public static int TableSize(int capacity)
    {
        // Room for capacity entries at the growth load factor.
        var wanted = Math.Max(16, ((long)capacity * 10 / 7) + 1);
        if (wanted > 1 << 30)
        {
            throw new InvalidOperationException("Hash table capacity exceeds 2^30 slots.");
        }

        return (int)BitOperations.RoundUpToPowerOf2((uint)wanted);
    }

    // Load factor 0.7: linear probing stays short.
    public static int GrowThreshold(int size) => (int)(size * 0.7);

    /// <summary>Slots for <paramref name="capacity"/> entries below the growth load, any size (not a power of two).</summary>
    public static int ExactSize(int capacity) => checked((int)Math.Max(16, ((long)capacity * 10 / 7) + 2));

    /// <summary>A slot in a table of any size: the top 32 bits of the key's Fibonacci hash scaled to the size.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int SlotOf(long key, int size) => (int)((((ulong)key * Golden) >> 32) * (ulong)size >> 32);
}
