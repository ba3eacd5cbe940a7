using System.Runtime.CompilerServices;

namespace Pulso.Grains.Output;

/// <summary>Prints scaled integers as fixed-point text (<c>-0.75</c>, <c>128.00</c>) without floating point.</summary>
public static class FixedPoint
{
    /// <summary>Writes <paramref name="scaled"/> / 10^<paramref name="decimals"/> with exactly that many decimals; returns bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Format(long scaled, int decimals, Span<byte> destination)
    {
        if (decimals == 0)
        {
            scaled.TryFormat(destination, out var w);
            return w;
        }

        var pos = 0;
        ulong magnitude;
        if (scaled < 0)
        {
            destination[pos++] = (byte)'-';
            magnitude = (ulong)(-(scaled + 1)) + 1;
        }
        else
        {
            magnitude = (ulong)scaled;
        }

        var divisor = decimals == 2 ? 100UL : 10_000UL;
        var whole = magnitude / divisor;
        var fraction = magnitude % divisor;
        whole.TryFormat(destination[pos..], out var written);
        pos += written;
        destination[pos++] = (byte)'.';
        for (var i = decimals - 1; i >= 0; i--)
        {
            destination[pos + i] = (byte)('0' + (fraction % 10));
            fraction /= 10;
        }

        return pos + decimals;
    }

    public static string ToString(long scaled, int decimals)
    {
        Span<byte> buffer = stackalloc byte[32];
        var n = Format(scaled, decimals, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }
}
