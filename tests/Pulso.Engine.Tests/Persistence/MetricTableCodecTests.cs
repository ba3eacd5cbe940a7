using System.Buffers.Binary;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Persistence;

public sealed class MetricTableCodecTests
{
    [Fact]
    public void DecodedTableAnswersEveryQueryLikeTheOriginal()
    {
        var table = GeneratedGestiones.Table(seed: 11, rows: 30_000);
        Assert.True(table.CellCount > 10_000, $"only {table.CellCount} cells");
        Assert.True(table.PairCount > 20_000, $"only {table.PairCount} pairs");

        var bytes = MetricTableCodec.Encode(table);
        var decoded = MetricTableCodec.Decode(bytes);

        GeneratedGestiones.AssertSameFigures(table, decoded);
        Assert.Equal(bytes, MetricTableCodec.Encode(decoded));
    }

    [Fact]
    public void DecodedTableTakesFurtherBatchesJornadasAndMerges()
    {
        var original = GeneratedGestiones.Table(seed: 21, rows: 8_000);
        var decoded = MetricTableCodec.Decode(MetricTableCodec.Encode(original));
        var more = new DayDelta(GeneratedGestiones.Batch(seed: 22, rows: 3_000, ejecutivos: 60), GeneratedGestiones.Jornadas(23, ejecutivos: 70));
        var other = GeneratedGestiones.Table(seed: 24, rows: 2_000);

        foreach (var table in new[] { original, decoded })
        {
            table.ApplyDelta(more);
            table.Add("EJ999"u8, 7, "VISITA"u8, "  nueva tipificación "u8, 2, 12_345, "00123"u8);
            table.SetJornada("EJ000"u8, 955);
            table.Merge(other);
        }

        GeneratedGestiones.AssertSameFigures(original, decoded);
        Assert.Equal(MetricTableCodec.Encode(original), MetricTableCodec.Encode(decoded));

        // And as the source of a merge.
        var intoOriginal = GeneratedGestiones.Table(seed: 25, rows: 1_000);
        var intoDecoded = GeneratedGestiones.Table(seed: 25, rows: 1_000);
        intoOriginal.Merge(original);
        intoDecoded.Merge(MetricTableCodec.Decode(MetricTableCodec.Encode(original)));
        GeneratedGestiones.AssertSameFigures(intoOriginal, intoDecoded);
    }

    [Fact]
    public void JornadasAndTextDocumentosSurviveTheRoundTrip()
    {
        var table = new DayTable()
            .Add("EJ01", documento: "CE-000123", saldoCents: -500)
            .Add("EJ01", documento: "00012345")
            .Add("Peña", documento: "12345", tipificacion: "promesa de pago ")
            .Jornada("EJ01", 800)
            .Jornada("SOLO-JORNADA", 0)
            .Table;

        var decoded = MetricTableCodec.Decode(MetricTableCodec.Encode(table));

        GeneratedGestiones.AssertSameFigures(table, decoded);
        var view = new ResultView(TheEngine.Query([decoded], TheEngine.StandardMapping(), [Dimension.Ejecutivo], ["total_gestiones", "horas_trabajadas"]));
        Assert.Equal(8.00m, view["EJ01", "horas_trabajadas"]);
        Assert.Equal(2m, view["EJ01", "total_gestiones"]);
        Assert.Equal(0, decoded.JornadaCents(decoded.Ejecutivos.IndexOf("SOLO-JORNADA")));
        Assert.Equal(-1, decoded.JornadaCents(decoded.Ejecutivos.IndexOf("Peña")));
    }

    [Fact]
    public void EmptyTableRoundTrips()
    {
        var table = new MetricTable(new DateOnly(2024, 2, 29));
        var decoded = MetricTableCodec.Decode(MetricTableCodec.Encode(table));

        Assert.Equal(table.Day, decoded.Day);
        Assert.Equal(0, decoded.CellCount);
        Assert.Equal(0, decoded.GestionCount);
        decoded.Add("EJ01"u8, 9, "SMS"u8, "NO CONTESTA"u8, 0, 100, "1"u8);
        Assert.Equal(1, decoded.CellCount);
    }

    [Fact]
    public void ImageStartsWithMagicAndVersion()
    {
        var bytes = MetricTableCodec.Encode(new MetricTable(GeneratedGestiones.Day));

        Assert.Equal("PMTB"u8.ToArray(), bytes[..4]);
        Assert.Equal(MetricTableCodec.Version, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
    }

    [Fact]
    public void UnknownVersionIsRefused()
    {
        var bytes = MetricTableCodec.Encode(GeneratedGestiones.Table(seed: 31, rows: 100));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 99);

        var error = Assert.Throws<UnsupportedFormatVersionException>(() => MetricTableCodec.Decode(bytes));

        Assert.Equal(99, error.Version);
        Assert.Equal(MetricTableCodec.Version, error.SupportedVersion);
        Assert.Contains("metric table: format version 99 is not supported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(12)]
    [InlineData(100)]
    [InlineData(-1)]
    public void TruncatedImageIsRefused(int length)
    {
        var bytes = MetricTableCodec.Encode(GeneratedGestiones.Table(seed: 32, rows: 500));
        var cut = bytes[..(length >= 0 ? length : bytes.Length + length)];

        var error = Assert.Throws<InvalidDataException>(() => MetricTableCodec.Decode(cut));

        Assert.StartsWith("metric table: truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedImageIsRefused()
    {
        var bytes = MetricTableCodec.Encode(GeneratedGestiones.Table(seed: 33, rows: 500));
        bytes[bytes.Length / 2] ^= 0x40;

        var error = Assert.Throws<InvalidDataException>(() => MetricTableCodec.Decode(bytes));

        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DayDeltaIsNotTakenForATable()
    {
        var delta = DayDeltaCodec.Encode(new DayDelta(GeneratedGestiones.Batch(seed: 34, rows: 10)));

        var error = Assert.Throws<InvalidDataException>(() => MetricTableCodec.Decode(delta));

        Assert.Contains("not a metric table image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBytesAreRefused()
    {
        var bytes = MetricTableCodec.Encode(GeneratedGestiones.Table(seed: 35, rows: 50));

        var error = Assert.Throws<InvalidDataException>(() => MetricTableCodec.Decode([.. bytes, 0]));

        Assert.Contains("1 unexpected bytes after the end", error.Message, StringComparison.Ordinal);
    }
}
