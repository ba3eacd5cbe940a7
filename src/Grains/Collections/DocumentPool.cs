using System.Runtime.CompilerServices;

namespace Pulso.Grains.Collections;

/// <summary>
/// Dictionary encoding of debtor ids (trimmed documento). Ids made only of up to 18 ASCII
/// digits — nearly all of them — are encoded as the integer value of "1" followed by the
/// digits, which keeps leading zeros significant and needs no byte storage; anything else
/// goes through a <see cref="Utf8StringPool"/>. Both kinds share one dense id space.
/// </summary>
internal sealed class DocumentPool
{
    private const int MaxNumericDigits = 18;
    private static readonly long[] s_powersOfTen = BuildPowers();
    private readonly LongIntMap _numeric;
    private readonly Utf8StringPool _text = new();
    private long[] _keys; // numeric key, or ~textId for non-numeric documents
    private int[] _textToDense = new int[8];
    private int _count;

    public DocumentPool(int capacity = 16)
    {
        _numeric = new LongIntMap(capacity);
        _keys = new long[Math.Max(16, capacity)];
    }

    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(ReadOnlySpan<byte> documento)
    {
        if (TryNumericKey(documento, out var key))
        {
            var id = _numeric.GetOrAdd(key, _count);
            if (id == _count)
            {
                Append(key);
            }

            return id;
        }

        return GetOrAddText(documento);
    }

    /// <summary>Interns the document <paramref name="id"/> of <paramref name="other"/> here.</summary>
    public int GetOrAddFrom(DocumentPool other, int id)
    {
        var key = other._keys[id];
        if (key >= 0)
        {
            var mine = _numeric.GetOrAdd(key, _count);
            if (mine == _count)
            {
                Append(key);
            }

            return mine;
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
            Array.Resize(ref _keys, _keys.Length * 2);
        }

        _keys[_count++] = key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryNumericKey(ReadOnlySpan<byte> documento, out long key)
    {
        var n = documento.Length;
        if ((uint)(n - 1) >= MaxNumericDigits)
        {
            key = 0;
            return false;
        }

        long value = 0;
        foreach (var b in documento)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                key = 0;
                return false;
            }

            value = (value * 10) + d;
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
