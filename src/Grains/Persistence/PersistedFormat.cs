using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Pulso.Grains.Persistence;

/// <summary>
/// The frame shared by the persisted formats: a 12-byte header, the body, a 4-byte trailer.
/// <code>
/// offset  size  field
///      0     4  magic (four ASCII letters naming the format)
///      4     2  format version, u16 little-endian
///      6     2  reserved, 0
///      8     4  body length in bytes, i32 little-endian
///     12     n  body
///   12+n     4  CRC-32 (IEEE) of bytes [0, 12+n), u32 little-endian
/// </code>
/// Reading checks, in order: the magic, the version (an unknown one is refused before anything else is
/// looked at, <see cref="UnsupportedFormatVersionException"/>), the length (a short image is reported as
/// truncated), then the checksum.
/// </summary>
internal static class PersistedFormat
{
    public const int HeaderSize = 12;
    public const int TrailerSize = 4;
    private const int BodyLengthOffset = 8;

    /// <summary>A writer with the header of <paramref name="magic"/>/<paramref name="version"/> written; the body goes next.</summary>
    public static PersistedWriter Begin(ReadOnlySpan<byte> magic, ushort version, int bodyCapacity)
    {
        var writer = new PersistedWriter(HeaderSize + bodyCapacity + TrailerSize);
        writer.WriteBytes(magic);
        writer.WriteUInt16(version);
        writer.WriteUInt16(0);
        writer.WriteInt32(0);
        return writer;
    }

    /// <summary>Fills in the body length, appends the checksum and returns the image.</summary>
    public static byte[] Finish(PersistedWriter writer)
    {
        writer.PatchInt32(BodyLengthOffset, writer.Length - HeaderSize);
        writer.WriteUInt32(Crc32.HashToUInt32(writer.Written));
        return writer.ToArray();
    }

    /// <summary>Validates the frame of <paramref name="data"/> and returns a reader over its body.</summary>
    public static PersistedReader Open(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic, ushort version, string format)
    {
        if (data.Length < HeaderSize)
        {
            throw new InvalidDataException($"{format}: truncated: {data.Length} bytes, the header alone is {HeaderSize}.");
        }

        if (!data[..magic.Length].SequenceEqual(magic))
        {
            throw new InvalidDataException(
                $"{format}: not a {format} image: it starts with {Convert.ToHexString(data[..magic.Length])}, expected {Convert.ToHexString(magic)} ('{Encoding.ASCII.GetString(magic)}').");
        }

        var found = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (found != version)
        {
            throw new UnsupportedFormatVersionException(format, found, version);
        }

        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(data[BodyLengthOffset..]);
        if (bodyLength < 0)
        {
            throw new InvalidDataException($"{format}: corrupt header: body length {bodyLength}.");
        }

        var expected = (long)HeaderSize + bodyLength + TrailerSize;
        if (data.Length < expected)
        {
            throw new InvalidDataException($"{format}: truncated: {data.Length} bytes, the header announces {expected}.");
        }

        if (data.Length > expected)
        {
            throw new InvalidDataException($"{format}: {data.Length - expected} unexpected bytes after the end of the image ({expected} bytes).");
        }

        var end = HeaderSize + bodyLength;
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(data[end..]);
        var actual = Crc32.HashToUInt32(data[..end]);
        if (stored != actual)
        {
            throw new InvalidDataException($"{format}: checksum mismatch (stored {stored:X8}, computed {actual:X8}): the image is damaged.");
        }

        return new PersistedReader(data.Slice(HeaderSize, bodyLength), format, HeaderSize);
    }
}
