using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pulso.Grains.Collections;

/// <summary>
/// Dictionary encoding of UTF-8 byte strings: each distinct value gets a dense id, in order of
/// first appearance. Values live in one byte arena, so interning a row's field allocates nothing.
/// </summary>
internal sealed class Utf8StringPool
{
    private byte[] _arena = new byte[256];
    private int _arenaLength;
    private int[] _offsets = new int[16];
    private int[] _lengths = new int[16];
    private uint[] _hashes = new uint[16];
    private string?[] _strings = new string?[16];
    private int[] _slots; // id + 1; 0 = empty
    private int _shift;
    private int _count;

    public Utf8StringPool(int capacity = 8)
    {
        var size = HashSizing.TableSize(capacity);
        _slots = new int[size];
        _shift = 32 - BitOperations.Log2((uint)size);
    }

    public int Count => _count;

    /// <summary>Forgets every value but keeps the storage, so a reused pool allocates nothing for values that fit.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Array.Clear(_strings, 0, _count);
        _arenaLength = 0;
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        var hash = Hash(value);
        var slots = _slots;
        var mask = slots.Length - 1;
        var slot = (int)((hash * 0x9E3779B9u) >> _shift);
        while (true)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                return Add(value, hash, slot);
            }

            var id = entry - 1;
            if (_hashes[id] == hash && value.SequenceEqual(_arena.AsSpan(_offsets[id], _lengths[id])))
            {
                return id;
            }

            slot = (slot + 1) & mask;
        }
    }

    public int GetOrAdd(string value) => GetOrAdd(Encoding.UTF8.GetBytes(value));

    /// <summary>The id of <paramref name="value"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> value)
    {
        var hash = Hash(value);
        var slots = _slots;
        var mask = slots.Length - 1;
        var slot = (int)((hash * 0x9E3779B9u) >> _shift);
        while (true)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            var id = entry - 1;
            if (_hashes[id] == hash && value.SequenceEqual(_arena.AsSpan(_offsets[id], _lengths[id])))
            {
                return id;
            }

            slot = (slot + 1) & mask;
        }
    }

    public int IndexOf(string value) => IndexOf(Encoding.UTF8.GetBytes(value));

    public ReadOnlySpan<byte> GetBytes(int id) => _arena.AsSpan(_offsets[id], _lengths[id]);

    public string GetString(int id) => _strings[id] ??= Encoding.UTF8.GetString(GetBytes(id));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> value) => (uint)XxHash3.HashToUInt64(value);

    private int Add(ReadOnlySpan<byte> value, uint hash, int slot)
    {
        var id = _count;
        if (id == _offsets.Length)
        {
            var n = id * 2;
            Array.Resize(ref _offsets, n);
            Array.Resize(ref _lengths, n);
            Array.Resize(ref _hashes, n);
            Array.Resize(ref _strings, n);
        }

        if (_arenaLength + value.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + value.Length));
        }

        value.CopyTo(_arena.AsSpan(_arenaLength));
        _offsets[id] = _arenaLength;
        _lengths[id] = value.Length;
        _hashes[id] = hash;
        _arenaLength += value.Length;
        _count++;
        _slots[slot] = id + 1;
        if (_count > HashSizing.GrowThreshold(_slots.Length))
        {
            Rehash();
        }

        return id;
    }

    private void Rehash()
    {
        var size = _slots.Length * 2;
        _slots = new int[size];
        _shift = 32 - BitOperations.Log2((uint)size);
        var mask = size - 1;
        for (var id = 0; id < _count; id++)
        {
            var slot = (int)((_hashes[id] * 0x9E3779B9u) >> _shift);
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = id + 1;
        }
    }
}
