using System.Text;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Text;

namespace Pulso.Engine.Tests.Ingestion;

public sealed class GestionRulesTests
{
    [Theory]
    [InlineData("2026-01-05 08:00:00", 2026, 1, 5, 8)]
    [InlineData("2024-02-29 13:05:09", 2024, 2, 29, 13)]
    [InlineData("2000-02-29 00:00:00", 2000, 2, 29, 0)]
    [InlineData("2026-12-31 23:59:59", 2026, 12, 31, 23)]
    [InlineData("2026-04-30 12:30:00", 2026, 4, 30, 12)]
    [InlineData("1999-01-01 00:00:00", 1999, 1, 1, 0)]
    [InlineData("0001-01-01 00:00:00", 1, 1, 1, 0)]
    [InlineData("9999-12-31 23:59:59", 9999, 12, 31, 23)]
    public void RealDateTimesParseToTheirDayAndHour(string fecha, int year, int month, int day, int hour)
    {
        Assert.True(GestionRules.TryParseFecha(Encoding.UTF8.GetBytes(fecha), out var dayNumber, out var parsedHour));
        Assert.Equal(new DateOnly(year, month, day).DayNumber, dayNumber);
        Assert.Equal(hour, parsedHour);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1900-02-29 00:00:00")]
    [InlineData("2100-02-29 00:00:00")]
    [InlineData("2026-02-29 08:00:00")]
    [InlineData("2026-02-30 08:00:00")]
    [InlineData("2026-04-31 08:00:00")]
    [InlineData("2026-06-31 08:00:00")]
    [InlineData("2026-09-31 08:00:00")]
    [InlineData("2026-11-31 08:00:00")]
    [InlineData("2026-01-32 08:00:00")]
    [InlineData("2026-13-01 08:00:00")]
    [InlineData("2026-00-10 08:00:00")]
    [InlineData("2026-01-00 08:00:00")]
    [InlineData("2024-13-45 99:00:00")]
    [InlineData("2026-01-05 24:00:00")]
    [InlineData("2026-01-05 23:60:00")]
    [InlineData("2026-01-05 23:59:60")]
    [InlineData("2026-01-05T08:00:00")]
    [InlineData("2026-01-05  08:00:00")]
    [InlineData("2026-1-05 08:00:00")]
    [InlineData("2026-01-5 08:00:00")]
    [InlineData("2026-01-05 8:00:00")]
    [InlineData("2026-01-05 08:00")]
    [InlineData("2026-01-05 08:00:00.5")]
    [InlineData("2026-01-05 08:00:00Z")]
    [InlineData("2026-01-05")]
    [InlineData("05/01/2026 08:00:00")]
    [InlineData("2026/01/05 08:00:00")]
    [InlineData("2026-01-05 -1:00:00")]
    [InlineData("+026-01-05 08:00:00")]
    [InlineData("２０２６-01-05 08:00:00")]
    [InlineData("2026-0١-05 08:00:00")]
    [InlineData(" 2026-01-05 08:00:00")]
    public void AnythingButARealDateTimeIsNotAFecha(string fecha)
    {
        Assert.False(GestionRules.TryParseFecha(Encoding.UTF8.GetBytes(fecha), out _, out _));
    }

    [Theory]
    [InlineData("2024-02-29", true)]
    [InlineData("2000-02-29", true)]
    [InlineData("1900-02-29", false)]
    [InlineData("2026-02-28", true)]
    [InlineData("2026-02-30", false)]
    [InlineData("2026-1-05", false)]
    [InlineData("2026-01-05 ", false)]
    [InlineData("", false)]
    public void DatesFollowTheGregorianCalendar(string date, bool valid)
    {
        Assert.Equal(valid, GestionRules.TryParseDate(Encoding.UTF8.GetBytes(date), out var dayNumber));
        if (valid)
        {
            Assert.Equal(DateOnly.ParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).DayNumber, dayNumber);
        }
    }

    [Theory]
    [InlineData("12", 1200)]
    [InlineData("12.5", 1250)]
    [InlineData("12.50", 1250)]
    [InlineData("-5.25", -525)]
    [InlineData("-0.75", -75)]
    [InlineData("0.01", 1)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("00012.30", 1230)]
    [InlineData("50000000.00", 5_000_000_000)]
    [InlineData("1000000000000000", 100_000_000_000_000_000)]
    [InlineData("-1000000000000000.00", -100_000_000_000_000_000)]
    public void DecimalsWithAtMostTwoPlacesAreExactCents(string saldo, long cents)
    {
        Assert.True(GestionRules.TryParseCents(Encoding.UTF8.GetBytes(saldo), out var parsed));
        Assert.Equal(cents, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("N/A")]
    [InlineData("sin saldo")]
    [InlineData("12.")]
    [InlineData("1e3")]
    [InlineData("1E3")]
    [InlineData("1,234.56")]
    [InlineData("123.456")]
    [InlineData(".5")]
    [InlineData("-.5")]
    [InlineData("-")]
    [InlineData("+5")]
    [InlineData("--5")]
    [InlineData("1.2.3")]
    [InlineData("12 .5")]
    [InlineData(" 12")]
    [InlineData("12 ")]
    [InlineData("1_000")]
    [InlineData("١٢")]
    [InlineData("0x10")]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    public void AnythingButADecimalWithAtMostTwoPlacesIsNotASaldo(string saldo)
    {
        Assert.False(GestionRules.TryParseCents(Encoding.UTF8.GetBytes(saldo), out _));
    }

    [Theory]
    [InlineData("1000000000000000.01")]
    [InlineData("5000000000000000")]
    [InlineData("92233720368547758")]
    [InlineData("92233720368547759")]
    [InlineData("99999999999999999")]
    [InlineData("-99999999999999999.99")]
    [InlineData("100000000000000000")]
    [InlineData("100000000000000009")]
    [InlineData("999999999999999999999999")]
    public void SaldoBeyondTheLimitIsRejectedNotWrapped(string saldo)
    {
        // GestionRules.MaxAbsCents promises: beyond 10^15 units a literal is rejected rather than silently wrapped.
        var accepted = GestionRules.TryParseCents(Encoding.UTF8.GetBytes(saldo), out var cents);
        Assert.False(accepted, $"'{saldo}' was accepted as {cents} cents");
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("-3", -3)]
    [InlineData("-0", 0)]
    [InlineData("007", 7)]
    [InlineData("720", 720)]
    [InlineData("99999999999999999999", int.MaxValue)]
    [InlineData("-99999999999999999999", -int.MaxValue)]
    public void IntegersOfAnyLengthAreDiasMora(string diasMora, int expected)
    {
        Assert.True(GestionRules.TryParseDiasMora(Encoding.UTF8.GetBytes(diasMora), out var dias));
        Assert.Equal(expected, dias);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+5")]
    [InlineData("7.0")]
    [InlineData("7.")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData(" 7")]
    [InlineData("7 ")]
    [InlineData("٧")]
    public void AnythingButAnIntegerIsNotDiasMora(string diasMora)
    {
        Assert.False(GestionRules.TryParseDiasMora(Encoding.UTF8.GetBytes(diasMora), out _));
    }

    [Theory]
    [InlineData(int.MinValue, "<=30")]
    [InlineData(-5, "<=30")]
    [InlineData(0, "<=30")]
    [InlineData(30, "<=30")]
    [InlineData(31, "31-60")]
    [InlineData(60, "31-60")]
    [InlineData(61, "61-90")]
    [InlineData(90, "61-90")]
    [InlineData(91, "91-180")]
    [InlineData(180, "91-180")]
    [InlineData(181, "181-360")]
    [InlineData(360, "181-360")]
    [InlineData(361, "361+")]
    [InlineData(int.MaxValue, "361+")]
    public void DiasMoraFallsInItsTramo(int dias, string tramo)
    {
        Assert.Equal(tramo, TramoMora.Labels[TramoMora.Of(dias)]);
        Assert.Equal(TramoMora.Of(dias), TramoMora.IndexOf(tramo));
    }

    [Fact]
    public void TrimRemovesWhatStringTrimRemovesForEveryCharacter()
    {
        var mismatches = new List<string>();
        for (var c = 0; c <= 0xFFFF; c++)
        {
            if (char.IsSurrogate((char)c))
            {
                continue;
            }

            var pad = ((char)c).ToString();
            foreach (var text in new[] { pad + "x" + pad, pad + pad, pad, "x" + pad, pad + "ñ" })
            {
                var expected = Encoding.UTF8.GetBytes(text.Trim());
                var actual = Utf8Text.Trim(Encoding.UTF8.GetBytes(text)).ToArray();
                if (!expected.AsSpan().SequenceEqual(actual))
                {
                    mismatches.Add($"U+{c:X4} in \"{text}\"");
                    break;
                }
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public void NormalizedKeyIsUpperOfTrimWithoutFoldingAccents()
    {
        Assert.Equal("PROMESA DE PAGO", Utf8Text.NormalizeKey("  promesa DE pago "u8));
        Assert.Equal("BUZÓN DE VOZ", Utf8Text.NormalizeKey("\u00A0Buzón de voz\u3000"u8));
        Assert.Equal("AÑO", Utf8Text.NormalizeKey("año"));
        Assert.Equal(string.Empty, Utf8Text.NormalizeKey("   "u8));
    }
}
