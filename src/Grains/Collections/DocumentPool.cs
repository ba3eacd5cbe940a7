using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pulso.Grains.Collections;

/// <summary>
/// Dictionary encoding of debtor ids (trimmed documento). Ids made only of up to 18 ASCII
/// digits — nearly all of them — are encoded as the integer value of "1" followed by the
/// digits, which keeps leading zeros significant and needs no byte storage; anything else
/// goes through a <see cref="Utf8StringPool"/>. Both kinds share one dense id space. The
/// numeric keys are found through a hash table whose slots hold only the dense id (4 bytes a
/// slot): the key itself is kept once, in the array by id.
/// </summary>
internal sealed class DocumentPool
{
    private const int MaxNumericDigits = 18;
    private static readonly long[] s_powersOfTen = BuildPowers();
    private readonly Utf8StringPool _text = new();
    private long[] _keys; // numeric key, or ~textId for non-numeric documents
    private int[] _textToDense = new int[8];
    private int[] _slots; // dense id + 1 of a numeric key; 0 = empty
    private int _numericCount;
    private int _growAt;
    private int _count;

    public DocumentPool(int capacity = 16)
    {
        _slots = new int[HashSizing.ExactSize(capacity)];
        _growAt = HashSizing.GrowThreshold(_slots.Length);
        _keys = GC.AllocateUninitializedArray<long>(Math.Max(16, capacity));
    }

    public int Count => _count;

    /// <summary>Slots of the numeric keys' hash table (how often it was rebuilt is visible in its growth).</summary>
    internal int SlotCount => _slots.Length;

    /// <summary>Makes room for <paramref name="count"/> documents in all.</summary>
    public void EnsureCapacity(int count)
    {
        EnsureNumericCapacity(count);
        if (count > _keys.Length)
        {
            Resize(Math.Max(count, _keys.Length * 2));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(ReadOnlySpan<byte> documento) =>
        TryNumericKey(documento, out var key) ? GetOrAddNumeric(key) : GetOrAddText(documento);

    /// <summary>The dense id of numeric key <paramref name="key"/>, appended when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int GetOrAddNumeric(long key)
    {
        var slots = _slots;
        var size = slots.Length;
        var slot = HashSizing.SlotOf(key, size);
        var keys = _keys;
        while (true)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                return InsertNumeric(slot, key);
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int InsertNumeric(int slot, long key)
    {
        if (_numericCount >= _growAt)
        {
            EnsureNumericCapacity(_numericCount * 2);
            return GetOrAddNumeric(key);
        }

        _numericCount++;
        _slots[slot] = _count + 1;
        Append(key);
        return _count - 1;
    }

    private void EnsureNumericCapacity(int count)
    {
        if (count <= _growAt)
        {
            return;
        }

        // At least doubled: a table that grew to the exact need would grow again, all of it rehashed, on the
        // next batch of a day that keeps receiving new documentos (a rehash per push, quadratic over the day).
        var size = Math.Max(HashSizing.ExactSize(count), _slots.Length * 2);
        var slots = new int[size];
        foreach (var entry in _slots)
        {
            if (entry == 0)
            {
                continue;
            }

            var slot = HashSizing.SlotOf(_keys[entry - 1], size);
            while (slots[slot] != 0)
            {
                if (++slot == size)
                {
                    slot = 0;
                }
            }

            slots[slot] = entry;
        }

        _slots = slots;
        _growAt = HashSizing.GrowThreshold(size);
    }

    /// <summary>
    /// Interns many documentos at once (a batch's dictionary), writing their ids to <paramref name="ids"/>.
    /// Numeric keys are inserted in the order of their hash's top bits, which is the order of their slots,
    /// so the inserts sweep the table once instead of jumping around it.
    /// </summary>
    public void GetOrAddMany(ReadOnlySpan<string> documentos, Span<int> ids)
    {
        const int OrderBits = 6; // 64 groups: see Group
        var n = documentos.Length;
        var keys = ArrayPool<long>.Shared.Rent(n);
        var order = ArrayPool<int>.Shared.Rent(n);
        // Group 0: non-numeric documentos; group 1 + b: numeric keys whose hash starts with b.
        Span<int> starts = stackalloc int[(1 << OrderBits) + 2];
        for (var i = 0; i < n; i++)
        {
            var doc = documentos[i];
            var key = TryNumericKey(doc, out var numeric) ? numeric : -1;
            keys[i] = key;
            starts[Group(key) + 1]++;
        }

        for (var g = 1; g < starts.Length; g++)
        {
            starts[g] += starts[g - 1];
        }

        for (var i = 0; i < n; i++)
        {
            order[starts[Group(keys[i])]++] = i;
        }

        EnsureCapacity(_count + n);
        foreach (var i in order.AsSpan(0, n))
        {
            var key = keys[i];
            if (key >= 0)
            {
                ids[i] = GetOrAddNumeric(key);
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (keys[i] < 0)
            {
                ids[i] = GetOrAddText(Encoding.UTF8.GetBytes(documentos[i]));
            }
        }

        ArrayPool<long>.Shared.Return(keys);
        ArrayPool<int>.Shared.Return(order);
    }

    private static int Group(long key) => key < 0 ? 0 : 1 + (int)(((ulong)key * HashSizing.Golden) >> (64 - 6));

    /// <summary>Interns the document <paramref name="id"/> of <paramref name="other"/> here.</summary>
    public int GetOrAddFrom(DocumentPool other, int id)
    {
        var key = other._keys[id];
        if (key >= 0)
        {
            return GetOrAddNumeric(key);
        }

        return GetOrAddText(other._text.GetBytes((int)~key));
    }

    public string GetString(int id)
    {
        var key = _keys[id];
        if (key < 0)
        {
            return _text.GetString((int)~key);
        }

        var digits = key.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return digits[1..];
    }

    private int GetOrAddText(ReadOnlySpan<byte> documento)
    {
        var before = _text.Count;
        var textId = _text.GetOrAdd(documento);
        if (textId < before)
        {
            return _textToDense[textId];
        }

        if (textId == _textToDense.Length)
        {
            Array.Resize(ref _textToDense, _textToDense.Length * 2);
        }

        _textToDense[textId] = _count;
        Append(~(long)textId);
        return _count - 1;
    }

    private void Append(long key)
    {
        if (_count == _keys.Length)
        {
            Resize(_keys.Length * 2);
        }

        _keys[_count++] = key;
    }

    private void Resize(int size)
    {
        // Only the ids in use are copied; the rest is written as documents come.
        var keys = GC.AllocateUninitializedArray<long>(size);
        _keys.AsSpan(0, _count).CopyTo(keys);
        _keys = keys;
    }

    /// <summary>The numeric key of a documento given as text (same encoding as the byte form).</summary>
    internal static bool TryNumericKey(string documento, out long key) => TryDigits(documento.AsSpan(), out key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryNumericKey(ReadOnlySpan<byte> documento, out long key) => TryDigits(documento, out key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDigits<T>(ReadOnlySpan<T> documento, out long key)
        where T : unmanaged, IBinaryInteger<T>
    {
        var n = documento.Length;
        key = 0;
        if ((uint)(n - 1) >= MaxNumericDigits)
        {
            return false;
        }

        long value = 0;
        var i = n & 1;
        if (i == 1)
        {
            var d = uint.CreateTruncating(documento[0]) - '0';
            if (d > 9)
            {
                return false;
            }

            value = d;
        }

        // Two digits a step: half as many dependent multiply-adds as digits.
        for (; i < n; i += 2)
        {
            var high = uint.CreateTruncating(documento[i]) - '0';
            var low = uint.CreateTruncating(documento[i + 1]) - '0';
            if (high > 9 || low > 9)
            {
                return false;
            }

            value = (value * 100) + (high * 10) + low;
        }

        key = s_powersOfTen[n] + value;
        return true;
    }

    private static long[] BuildPowers()
    {
        var powers = new long[MaxNumericDigits + 1];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}
