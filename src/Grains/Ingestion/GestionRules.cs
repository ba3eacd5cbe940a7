using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// The validation and parsing rules of DESIGN 2.4 / bench README "Semantics", on trimmed UTF-8 bytes.
/// </summary>
public static class GestionRules
{
    /// <summary>
    /// Largest |saldo| accepted, in cents (10^15 units): keeps every sum of a day exactly inside 64 bits.
    /// A literal beyond it is rejected as <c>saldo_invalido</c> rather than silently wrapped.
    /// </summary>
    public const long MaxAbsCents = 100_000_000_000_000_000;

    /// <summary>
    /// <c>YYYY-MM-DD HH:MM:SS</c>, a real calendar date, hour 00-23, minute and second 00-59.
    /// Returns the day as <see cref="DateOnly.DayNumber"/> and the hour.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseFecha(ReadOnlySpan<byte> f, out int dayNumber, out int hour)
    {
        dayNumber = 0;
        hour = 0;
        if (f.Length != 19 || f[4] != '-' || f[7] != '-' || f[10] != ' ' || f[13] != ':' || f[16] != ':')
        {
            return false;
        }

        if (!TryParseDate(f[..10], out dayNumber))
        {
            return false;
        }

        var h = TwoDigits(f, 11);
        var mi = TwoDigits(f, 14);
        var s = TwoDigits(f, 17);
        if ((uint)h > 23 || (uint)mi > 59 || (uint)s > 59)
        {
            return false;
        }

        hour = h;
        return true;
    }

    /// <summary>
    /// <see cref="TryParseFecha(ReadOnlySpan{byte}, out int, out int)"/> remembering the last valid date: rows
    /// arrive in date order, so the calendar check runs once per day instead of once per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseFecha(ReadOnlySpan<byte> f, scoped ref FechaCache cache, out int dayNumber, out int hour)
    {
        if (f.Length == 19 && cache.DayNumber != 0
            && MemoryMarshal.Read<ulong>(f) == cache.Prefix && MemoryMarshal.Read<ushort>(f[8..]) == cache.Suffix
            && f[10] == ' ' && f[13] == ':' && f[16] == ':')
        {
            var h = TwoDigits(f, 11);
            var mi = TwoDigits(f, 14);
            var s = TwoDigits(f, 17);
            hour = h;
            dayNumber = cache.DayNumber;
            return (uint)h <= 23 && (uint)mi <= 59 && (uint)s <= 59;
        }

        if (!TryParseFecha(f, out dayNumber, out hour))
        {
            return false;
        }

        cache = new FechaCache(MemoryMarshal.Read<ulong>(f), MemoryMarshal.Read<ushort>(f[8..]), dayNumber);
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DD</c>, a real calendar date (proleptic Gregorian). Years 0001-9999: year 0000, which the
    /// spec's pattern would let through, is refused as a certain data error (.NET dates start at 0001).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDate(ReadOnlySpan<byte> d, out int dayNumber)
    {
        dayNumber = 0;
        if (d.Length != 10 || d[4] != '-' || d[7] != '-')
        {
            return false;
        }

        var y1 = TwoDigits(d, 0);
        var y2 = TwoDigits(d, 2);
        var m = TwoDigits(d, 5);
        var day = TwoDigits(d, 8);
        if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || day < 1)
        {
            return false;
        }

        var year = (y1 * 100) + y2;
        if (year == 0 || day > DateTime.DaysInMonth(year, m))
        {
            return false;
        }

        dayNumber = new DateOnly(year, m, day).DayNumber;
        return true;
    }

    /// <summary><c>-?[0-9]+(\.[0-9]{1,2})?</c> as exact cents; false beyond <see cref="MaxAbsCents"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseCents(ReadOnlySpan<byte> s, out long cents)
    {
        cents = 0;
        var i = 0;
        var negative = false;
        if (!s.IsEmpty && s[0] == '-')
        {
            negative = true;
            i = 1;
        }

        var intStart = i;
        long value = 0;
        while (i < s.Length)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9)
            {
                break;
            }

            value = (value * 10) + d;
            if (value > MaxAbsCents / 100)
            {
                return false;
            }

            i++;
        }

        if (i == intStart)
        {
            return false;
        }

        value *= 100;
        if (i < s.Length)
        {
            if (s[i] != '.')
            {
                return false;
            }

            var fraction = s.Length - i - 1;
            if (fraction is < 1 or > 2)
            {
                return false;
            }

            var d1 = (uint)(s[i + 1] - '0');
            if (d1 > 9)
            {
                return false;
            }

            value += d1 * 10;
            if (fraction == 2)
            {
                var d2 = (uint)(s[i + 2] - '0');
                if (d2 > 9)
                {
                    return false;
                }

                value += d2;
            }
        }

        if (value > MaxAbsCents)
        {
            return false;
        }

        cents = negative ? -value : value;
        return true;
    }

    /// <summary><c>-?[0-9]+</c>; any length is valid, the value saturates at ±<see cref="int.MaxValue"/> (only its tramo matters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDiasMora(ReadOnlySpan<byte> m, out int dias)
    {
        dias = 0;
        var i = 0;
        var negative = false;
        if (!m.IsEmpty && m[0] == '-')
        {
            negative = true;
            i = 1;
        }

        if (i == m.Length)
        {
            return false;
        }

        long value = 0;
        for (; i < m.Length; i++)
        {
            var d = (uint)(m[i] - '0');
            if (d > 9)
            {
                return false;
            }

            if (value < int.MaxValue)
            {
                value = Math.Min((value * 10) + d, int.MaxValue);
            }
        }

        dias = negative ? -(int)value : (int)value;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TwoDigits(ReadOnlySpan<byte> s, int at)
    {
        var a = (uint)(s[at] - '0');
        var b = (uint)(s[at + 1] - '0');
        return (a > 9 || b > 9) ? -100 : (int)((a * 10) + b);
    }
}

/// <summary>The last valid date seen by <see cref="GestionRules.TryParseFecha(ReadOnlySpan{byte}, ref FechaCache, out int, out int)"/>.</summary>
public readonly record struct FechaCache(ulong Prefix, ushort Suffix, int DayNumber);
