using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Pulso.Grains.Persistence;

/// <summary>
/// Writes a persisted format (see <see cref="PersistedFormat"/>): little-endian integers, integer arrays
/// as raw little-endian bytes, strings as UTF-8 after a 7-bit encoded byte length.
/// </summary>
internal sealed class PersistedWriter
{
    private byte[] _buffer;
    private int _length;

    public PersistedWriter(int capacity)
    {
        _buffer = new byte[Math.Max(64, capacity)];
    }

    public int Length => _length;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteVarUInt(uint value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    public void WriteUtf8(ReadOnlySpan<byte> value)
    {
        WriteVarUInt((uint)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((uint)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> values) => values.CopyTo(Reserve(values.Length));

    public void WriteInt32s(ReadOnlySpan<int> values)
    {
        var target = Reserve(values.Length * sizeof(int));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(target);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(target[(i * sizeof(int))..], values[i]);
        }
    }

    public void WriteInt64s(ReadOnlySpan<long> values)
    {
        var target = Reserve(values.Length * sizeof(long));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(target);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(target[(i * sizeof(long))..], values[i]);
        }
    }

    /// <summary>Writes a 4-byte placeholder and returns its offset, for a value known only later.</summary>
    public int WriteInt32Placeholder()
    {
        var offset = _length;
        WriteInt32(0);
        return offset;
    }

    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _length == _buffer.Length ? _buffer : _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Appends <paramref name="count"/> bytes and returns them to be filled in.</summary>
    public Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var needed = (long)_length + count;
            if (needed > Array.MaxLength)
            {
                throw new InvalidOperationException($"A persisted image cannot exceed {Array.MaxLength} bytes.");
            }

            Array.Resize(ref _buffer, (int)Math.Clamp((long)_buffer.Length * 2, needed, Array.MaxLength));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
