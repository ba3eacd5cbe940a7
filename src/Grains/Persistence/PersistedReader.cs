using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Pulso.Grains.Persistence;

/// <summary>
/// Reads what <see cref="PersistedWriter"/> wrote. Every read is bounds-checked and every count is checked
/// against the bytes left before anything is allocated, so a damaged image fails with a message that names
/// the format, the field and the offset instead of an <see cref="IndexOutOfRangeException"/> or a huge allocation.
/// </summary>
internal ref struct PersistedReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _format;
    private readonly int _origin;
    private int _position;

    /// <param name="data">The body to read.</param>
    /// <param name="format">The format's name, for messages.</param>
    /// <param name="origin">The offset of <paramref name="data"/> in the whole image, for messages.</param>
    public PersistedReader(ReadOnlySpan<byte> data, string format, int origin)
    {
        _data = data;
        _format = format;
        _origin = origin;
    }

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte(string field) => Take(1, field)[0];

    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));

    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));

    /// <summary>A count of elements of <paramref name="elementSize"/> bytes (at least) each that must fit in the bytes left.</summary>
    public int ReadCount(string field, int elementSize)
    {
        var at = _position;
        var count = ReadInt32(field);
        if (count < 0 || (long)count * elementSize > Remaining)
        {
            throw Corrupt(at, $"{field} count {count} does not fit in the {Remaining} bytes left");
        }

        return count;
    }

    public uint ReadVarUInt(string field)
    {
        var at = _position;
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte(field);
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Corrupt(at, $"{field} has a malformed length");
    }

    /// <summary>A UTF-8 string (length-prefixed) as bytes, without decoding it.</summary>
    public ReadOnlySpan<byte> ReadUtf8(string field)
    {
        var length = ReadVarUInt(field);
        if (length > (uint)Remaining)
        {
            throw Truncated(field, (int)Math.Min(length, int.MaxValue));
        }

        return Take((int)length, field);
    }

    public string ReadString(string field)
    {
        var at = _position;
        var bytes = ReadUtf8(field);
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{_format}: {field} at byte {_origin + at} is not valid UTF-8.", e);
        }
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string field) => Take(count, field);

    public int[] ReadInt32s(int count, string field)
    {
        var source = Take(checked(count * sizeof(int)), field);
        var values = GC.AllocateUninitializedArray<int>(count);
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(i * sizeof(int))..]);
        }

        return values;
    }

    public long[] ReadInt64s(int count, string field)
    {
        var source = Take(checked(count * sizeof(long)), field);
        var values = GC.AllocateUninitializedArray<long>(count);
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(i * sizeof(long))..]);
        }

        return values;
    }

    /// <summary>Fails unless every byte was read.</summary>
    public readonly void ExpectEnd()
    {
        if (_position != _data.Length)
        {
            throw Corrupt(_position, $"{_data.Length - _position} bytes are left after the last field");
        }
    }

    /// <summary>An error about the value that starts at <paramref name="at"/> (an offset in the body).</summary>
    public readonly InvalidDataException Corrupt(int at, string problem) =>
        new($"{_format}: corrupt at byte {_origin + at}: {problem}.");

    /// <summary>An error about the value just read.</summary>
    public readonly InvalidDataException Corrupt(string problem) => Corrupt(_position, problem);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw Truncated(field, count);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly InvalidDataException Truncated(string field, int count) =>
        new($"{_format}: truncated at byte {_origin + _position}: {field} needs {count} bytes, {Remaining} are left.");
}
