using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;

namespace Pulso.Engine.Tests.Csv;

public sealed class CsvReaderTests
{
    [Fact]
    public void QuotedFieldKeepsItsCommas()
    {
        var record = Assert.Single(CsvText.Records("a,\"APAGADO, FUERA DE SERVICIO\",c\n"));
        Assert.Equal(["a", "APAGADO, FUERA DE SERVICIO", "c"], record.Fields);
    }

    [Fact]
    public void DoubledQuoteInsideQuotesIsOneQuote()
    {
        var record = Assert.Single(CsvText.Records("\"10 - MENSAJE \"\"DEJADO\"\"\",\"\"\"\",x\n"));
        Assert.Equal(["10 - MENSAJE \"DEJADO\"", "\"", "x"], record.Fields);
    }

    [Fact]
    public void LineBreaksInsideQuotesBelongToTheFieldAndAdvanceTheLineNumber()
    {
        var records = CsvText.Records("h1,h2\n\"first\nsecond\r\nthird\",x\nnext,y\n");

        Assert.Equal(3, records.Count);
        Assert.Equal("first\nsecond\r\nthird", records[1].Fields[0]);
        Assert.Equal(2, records[1].Line);
        Assert.Equal(5, records[2].Line);
        Assert.Equal(["next", "y"], records[2].Fields);
    }

    [Fact]
    public void CrlfLineEndsAreNotPartOfTheLastField()
    {
        var records = CsvText.Records("a,b\r\n\"c\",d\r\ne,\"f\"\r\n");

        Assert.Equal([["a", "b"], ["c", "d"], ["e", "f"]], records.Select(r => r.Fields));
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.Line));
    }

    [Fact]
    public void LoneCarriageReturnAtTheEndOfTheInputIsNotData()
    {
        var records = CsvText.Records("a,b\r");
        Assert.Equal(["a", "b"], Assert.Single(records).Fields);
    }

    [Fact]
    public void ByteOrderMarkAtTheStartIsSkipped()
    {
        var bytes = "\uFEFFcliente,fecha\nx,y\n"u8.ToArray();
        Assert.Equal(0xEF, bytes[0]);

        var records = CsvText.Records(bytes);

        Assert.Equal(["cliente", "fecha"], records[0].Fields);
        Assert.Equal(1, records[0].Line);
    }

    [Fact]
    public void ByteOrderMarkAfterTheStartIsData()
    {
        var records = CsvText.Records("a\n\uFEFFb\n");
        Assert.Equal("\uFEFFb", records[1].Fields[0]);
    }

    [Fact]
    public void BlankLinesAreSkippedButCountedInLineNumbers()
    {
        var records = CsvText.Records("\na\n\n\r\nb,\"q\"\n\n\nc\n\n");

        Assert.Equal(["a", "b", "c"], records.Select(r => r.Fields[0]));
        Assert.Equal([2L, 5L, 8L], records.Select(r => r.Line));
    }

    [Theory]
    [InlineData("a,b\n\nc,d\n")]
    [InlineData("a,b\r\n\r\nc,d\r\n")]
    [InlineData("\nc,d")]
    public void FieldsAfterABlankLineAreNotShifted(string text)
    {
        var records = CsvText.Records(text);
        Assert.Equal(["c", "d"], records[^1].Fields);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\r\n\r\n\n")]
    public void InputWithoutRecordsReadsNothing(string text)
    {
        Assert.Empty(CsvText.Records(text));
    }

    [Fact]
    public void LastRecordNeedsNoLineBreak()
    {
        var records = CsvText.Records("a,b\nc,\"d\"");
        Assert.Equal(["c", "d"], records[1].Fields);
    }

    [Fact]
    public void EmptyFieldsQuotedOrNotAreEmptyStrings()
    {
        var records = CsvText.Records(",,\n\"\",x,\"\"\na,\n");

        Assert.Equal(["", "", ""], records[0].Fields);
        Assert.Equal(["", "x", ""], records[1].Fields);
        Assert.Equal(["a", ""], records[2].Fields);
    }

    [Fact]
    public void SpacesAroundFieldsAreKept()
    {
        var record = Assert.Single(CsvText.Records(" 12345678 ,  promesa de pago \n"));
        Assert.Equal([" 12345678 ", "  promesa de pago "], record.Fields);
    }

    [Fact]
    public void MultiByteUtf8IsReadAsIs()
    {
        var record = Assert.Single(CsvText.Records("Buzón de voz,\"Ya pagó, señor\",😀\n"));
        Assert.Equal(["Buzón de voz", "Ya pagó, señor", "😀"], record.Fields);
    }

    [Theory]
    [InlineData("a,b\nc,d\"e\n", 2, "quote")]
    [InlineData("a,b\nc,\"d\"e\n", 2, "after a closing quote")]
    [InlineData("a,b\n\nc,\"d\"\"\"x\n", 3, "after a closing quote")]
    [InlineData("a,b\nc,\"d\ne\n", 2, "not closed")]
    [InlineData("a\n\n\nb,\"never closed", 4, "not closed")]
    [InlineData("\"x\ny\",1\nc,d\"\n", 3, "quote")]
    public void MalformedCsvNamesTheSourceAndTheLine(string text, int line, string problem)
    {
        var e = Assert.Throws<CsvFormatException>(() => CsvText.Records(text));

        Assert.StartsWith($"test.csv: line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public void InvalidUtf8NamesTheLine(byte[] bad)
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\nc,d\ne,").Concat(bad).Concat("x\nf,g\n"u8.ToArray()).ToArray();

        var e = Assert.Throws<CsvFormatException>(() => CsvText.Records(bytes));

        Assert.Equal("test.csv: line 3: the text is not valid UTF-8", e.Message);
    }

    [Fact]
    public void InvalidUtf8InsideAQuotedMultiLineFieldNamesTheLineTheRecordStartsOn()
    {
        var bytes = "a,b\n\"c\n"u8.ToArray().Concat(new byte[] { 0xC3 }).Concat("\",d\n"u8.ToArray()).ToArray();

        var e = Assert.Throws<CsvFormatException>(() => CsvText.Records(bytes));

        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordsOfManyFieldsAreSplitCompletely()
    {
        var fields = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? $"v{i},q" : $"v{i}").ToArray();
        var record = Assert.Single(CsvText.Records(CsvText.Line(fields) + "\n"));
        Assert.Equal(fields, record.Fields);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(5, false)]
    [InlineData(16, false)]
    [InlineData(61, false)]
    [InlineData(1 << 20, false)]
    [InlineData(3, true)]
    [InlineData(1 << 20, true)]
    public void AnyBufferSizeReadsTheSameRecordsAndLines(int bufferSize, bool blankLines)
    {
        var random = new Random(20260105);
        var expected = new List<(long Line, string[] Fields)>();
        var text = new StringBuilder("\uFEFF");
        var line = 1L;
        for (var r = 0; r < 400; r++)
        {
            while (blankLines && random.Next(10) == 0)
            {
                text.Append(random.Next(2) == 0 ? "\n" : "\r\n");
                line++;
            }

            var fields = Enumerable.Range(0, 1 + random.Next(6)).Select(_ => RandomField(random)).ToArray();
            if (fields.Length == 1 && fields[0].Length == 0)
            {
                fields[0] = "solo";
            }

            expected.Add((line, fields));
            for (var f = 0; f < fields.Length; f++)
            {
                if (f > 0)
                {
                    text.Append(',');
                }

                text.Append(CsvText.Field(fields[f], forceQuotes: random.Next(5) == 0));
            }

            line += fields.Sum(f => f.Count(c => c == '\n')) + 1;
            text.Append(random.Next(3) == 0 ? "\r\n" : "\n");
        }

        var records = CsvText.Records(Encoding.UTF8.GetBytes(text.ToString()), bufferSize);

        Assert.Equal(expected.Count, records.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Fields, records[i].Fields);
            Assert.Equal(expected[i].Line, records[i].Line);
        }
    }

    [Fact]
    public void ReaderDisposesItsStreamUnlessAskedToLeaveItOpen()
    {
        var kept = CsvText.Stream("a\n");
        using (var reader = new CsvReader(kept, "kept.csv", leaveOpen: true))
        {
            Assert.True(reader.Read());
        }

        Assert.True(kept.CanRead);

        var owned = CsvText.Stream("a\n");
        using (new CsvReader(owned, "owned.csv"))
        {
        }

        Assert.False(owned.CanRead);
    }

    private static string RandomField(Random random)
    {
        string[] pieces = ["a", "Buzón", " ", ",", "\"", "\n", "\r\n", "12.50", "ñ", "x y", "😀"];
        var n = random.Next(5);
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
        }

        return sb.ToString();
    }
}
