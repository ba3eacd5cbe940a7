using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pulso.Grains.Collections;

/// <summary>
/// A set of non-negative 64-bit keys kept as an append log that is sorted and de-duplicated
/// lazily (a counting sort by the high half, the cell), instead of a hash set: adding is a sequential write with no cache miss,
/// and readers get the members in key order. The metric table keeps its (cell, documento)
/// pairs here; the log is compacted before it is read, and on its own once it doubles.
/// </summary>
internal sealed class PairLog
{
    private long[] _items;
    private int _count;
    private int _unique; // items[0.._unique) are sorted and distinct

    public PairLog(int capacity = 16)
    {
        _items = new long[Math.Max(16, capacity)];
    }

    /// <summary>The distinct members (compacts first).</summary>
    public int Count
    {
        get
        {
            Compact();
            return _count;
        }
    }

    /// <summary>The distinct members in ascending order (compacts first).</summary>
    public ReadOnlySpan<long> Members
    {
        get
        {
            Compact();
            return _items.AsSpan(0, _count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long key)
    {
        if (_count == _items.Length)
        {
            Full();
        }

        _items[_count++] = key;
    }

    /// <summary>
    /// The next <paramref name="count"/> entries of the log, to be written by the caller (a batch adding a pair per
    /// row): one capacity check for them all.
    /// </summary>
    public Span<long> Append(int count)
    {
        EnsureCapacity(_count + count);
        var span = _items.AsSpan(_count, count);
        _count += count;
        return span;
    }

    /// <summary>Entries in the log, duplicates not yet removed (no compaction).</summary>
    public int LoggedCount => _count;

    /// <summary>Makes room for <paramref name="count"/> logged entries, at least doubling when it grows.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _items.Length)
        {
            Array.Resize(ref _items, Math.Max(count, _items.Length * 2));
        }
    }

    /// <summary>Sorts and de-duplicates the log.</summary>
    public void Compact()
    {
        if (_unique == _count)
        {
            return;
        }

        var items = _items.AsSpan(0, _count);
        // The sort buffers are only needed during the sort: borrowed, not kept per table.
        var scratch = ArrayPool<long>.Shared.Rent(_count);
        long all = 0;
        foreach (var k in items)
        {
            all |= k;
        }

        // The high halves (cells) are dense indexes, fewer than the members: one counting pass by high half
        // sorts the log but for the runs of equal high halves, which are short and sorted in place.
        var buckets = 1L << (32 - BitOperations.LeadingZeroCount((uint)(all >> 32)));
        _count = _unique = buckets <= (2L * _count) + 1024
            ? SortByHighHalf(items, scratch.AsSpan(0, _count), (int)buckets)
            : SortByRadix(items, scratch.AsSpan(0, _count));
        ArrayPool<long>.Shared.Return(scratch);
    }

    /// <summary>Counting sort by the high 32 bits, then each run of equal high halves sorted; returns the distinct count.</summary>
    private static int SortByHighHalf(Span<long> items, Span<long> scratch, int buckets)
    {
        var rented = ArrayPool<int>.Shared.Rent(buckets);
        var ends = rented.AsSpan(0, buckets);
        ends.Clear();
        foreach (var k in items)
        {
            ends[(int)(k >> 32)]++;
        }

        // Exclusive prefix sums: the first position of each high half, advanced by the scatter to its end.
        var sum = 0;
        for (var b = 0; b < ends.Length; b++)
        {
            var c = ends[b];
            ends[b] = sum;
            sum += c;
        }

        foreach (var k in items)
        {
            scratch[ends[(int)(k >> 32)]++] = k;
        }

        var n = 0;
        var begin = 0;
        foreach (var end in ends)
        {
            if (end - begin > 1)
            {
                var run = scratch[begin..end];
                if (run.Length <= 16)
                {
                    InsertionSort(run);
                }
                else
                {
                    run.Sort();
                }
            }

            for (var i = begin; i < end; i++)
            {
                if (i == begin || scratch[i] != scratch[i - 1])
                {
                    items[n++] = scratch[i];
                }
            }

            begin = end;
        }

        ArrayPool<int>.Shared.Return(rented);
        return n;
    }

    private static int SortByRadix(Span<long> items, Span<long> scratch)
    {
        RadixSort.SortSplitKeys(items, scratch);
        var n = 0;
        for (var i = 0; i < items.Length; i++)
        {
            if (n == 0 || items[i] != items[n - 1])
            {
                items[n++] = items[i];
            }
        }

        return n;
    }

    private static void InsertionSort(Span<long> run)
    {
        for (var i = 1; i < run.Length; i++)
        {
            var k = run[i];
            var j = i - 1;
            while (j >= 0 && run[j] > k)
            {
                run[j + 1] = run[j];
                j--;
            }

            run[j + 1] = k;
        }
    }

    private void Full()
    {
        // Compact when at least half the log is new; grow when compacting freed too little.
        if (_count - _unique >= _count / 2)
        {
            Compact();
        }

        if (_count > _items.Length * 3 / 4)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
    }
}

/// <summary>LSD radix sort of non-negative 64-bit keys, 12 bits a pass, skipping the passes above the largest key.</summary>
internal static class RadixSort
{
    private const int Bits = 12;

    /// <summary>
    /// Sorts keys made of two 32-bit halves (high &lt;&lt; 32 | low) whose halves use few bits each: the
    /// halves are first packed side by side (an order-preserving map), so fewer passes cover them.
    /// </summary>
    public static void SortSplitKeys(Span<long> keys, Span<long> scratch)
    {
        long all = 0;
        foreach (var k in keys)
        {
            all |= k;
        }

        var lowBits = 32 - BitOperations.LeadingZeroCount((uint)all);
        if (lowBits >= 32 || (all >> 32) == 0)
        {
            Sort(keys, scratch);
            return;
        }

        var lowMask = (1L << lowBits) - 1;
        for (var i = 0; i < keys.Length; i++)
        {
            var k = keys[i];
            keys[i] = ((k >> 32) << lowBits) | (k & lowMask);
        }

        Sort(keys, scratch);
        for (var i = 0; i < keys.Length; i++)
        {
            var k = keys[i];
            keys[i] = ((k >> lowBits) << 32) | (k & lowMask);
        }
    }
    private const int Buckets = 1 << Bits;

    public static void Sort(Span<long> keys, Span<long> scratch)
    {
        if (keys.Length < 64)
        {
            keys.Sort();
            return;
        }

        long max = 0;
        foreach (var k in keys)
        {
            max |= k;
        }

        var passes = (64 - long.LeadingZeroCount(max) + Bits - 1) / Bits;
        Span<int> counts = stackalloc int[Buckets];
        var source = keys;
        var target = scratch;
        var swaps = 0;
        for (var pass = 0; pass < passes; pass++)
        {
            var shift = pass * Bits;
            counts.Clear();
            foreach (var k in source)
            {
                counts[(int)((k >> shift) & (Buckets - 1))]++;
            }

            if (counts[(int)((source[0] >> shift) & (Buckets - 1))] == source.Length)
            {
                continue; // every key has the same digit here: the order stands
            }

            var sum = 0;
            for (var b = 0; b < Buckets; b++)
            {
                var c = counts[b];
                counts[b] = sum;
                sum += c;
            }

            foreach (var k in source)
            {
                target[counts[(int)((k >> shift) & (Buckets - 1))]++] = k;
            }

            var swap = source;
            source = target;
            target = swap;
            swaps++;
        }

        if (swaps % 2 == 1)
        {
            source.CopyTo(keys);
        }
    }
}
