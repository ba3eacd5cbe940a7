using System.Runtime.CompilerServices;
using System.Text;

namespace Pulso.Grains.Text;

/// <summary>Text rules of the spec applied to UTF-8 bytes without decoding the common case.</summary>
public static class Utf8Text
{
    /// <summary>
    /// Removes leading and trailing white space exactly as <see cref="string.Trim()"/> does
    /// (Unicode white space included), decoding only when an edge byte is non-ASCII.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || (!IsAsciiSpaceOrHigh(value[0]) && !IsAsciiSpaceOrHigh(value[^1])))
        {
            return value;
        }

        return TrimSlow(value);
    }

    /// <summary>The homologation key: <c>upper(trim(value))</c> with invariant Unicode upper-casing.</summary>
    public static string NormalizeKey(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(Trim(value)).ToUpperInvariant();

    /// <summary>The homologation key of a string.</summary>
    public static string NormalizeKey(string value) => value.Trim().ToUpperInvariant();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAsciiSpaceOrHigh(byte b) => b == ' ' || (uint)(b - '\t') <= '\r' - '\t' || b >= 0x80;

    private static ReadOnlySpan<byte> TrimSlow(ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            var b = value[0];
            if (b < 0x80)
            {
                if (b == ' ' || (uint)(b - '\t') <= '\r' - '\t')
                {
                    value = value[1..];
                    continue;
                }

                break;
            }

            if (Rune.DecodeFromUtf8(value, out var rune, out var consumed) == System.Buffers.OperationStatus.Done && Rune.IsWhiteSpace(rune))
            {
                value = value[consumed..];
                continue;
            }

            break;
        }

        while (!value.IsEmpty)
        {
            var b = value[^1];
            if (b < 0x80)
            {
                if (b == ' ' || (uint)(b - '\t') <= '\r' - '\t')
                {
                    value = value[..^1];
                    continue;
                }

                break;
            }

            if (Rune.DecodeLastFromUtf8(value, out var rune, out var consumed) == System.Buffers.OperationStatus.Done && Rune.IsWhiteSpace(rune))
            {
                value = value[..^consumed];
                continue;
            }

            break;
        }

        return value;
    }
}
