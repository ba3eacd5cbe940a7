using System.Buffers.Binary;
using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;
using Xunit.Abstractions;

namespace Pulso.Engine.Tests.Persistence;

public sealed class DayDeltaCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void DecodedDeltaAppliesLikeTheOriginal()
    {
        var delta = new DayDelta(GeneratedGestiones.Batch(seed: 41, rows: 5_000), GeneratedGestiones.Jornadas(42));

        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(delta));

        Assert.Equal(delta.Gestiones!.Count, decoded.Gestiones!.Count);
        Assert.Equal(delta.Jornadas, decoded.Jornadas);
        var direct = GeneratedGestiones.Table(seed: 43, rows: 2_000);
        var replayed = GeneratedGestiones.Table(seed: 43, rows: 2_000);
        direct.ApplyDelta(delta);
        replayed.ApplyDelta(decoded);
        GeneratedGestiones.AssertSameFigures(direct, replayed);
        Assert.Equal(MetricTableCodec.Encode(direct), MetricTableCodec.Encode(replayed));
    }

    [Fact]
    public void ColumnsRoundTripExactly()
    {
        var batch = GeneratedGestiones.Batch(seed: 44, rows: 700);

        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(new DayDelta(batch))).Gestiones!;

        for (var i = 0; i < batch.Count; i++)
        {
            Assert.Equal(batch.DayNumber[i], decoded.DayNumber[i]);
            Assert.Equal(batch.Hora[i], decoded.Hora[i]);
            Assert.Equal(batch.Tramo[i], decoded.Tramo[i]);
            Assert.Equal(batch.SaldoCents[i], decoded.SaldoCents[i]);
            Assert.Equal(batch.Ejecutivos[batch.Ejecutivo[i]], decoded.Ejecutivos[decoded.Ejecutivo[i]]);
            Assert.Equal(batch.Canales[batch.Canal[i]], decoded.Canales[decoded.Canal[i]]);
            Assert.Equal(batch.Tipificaciones[batch.Tipificacion[i]], decoded.Tipificaciones[decoded.Tipificacion[i]]);
            Assert.Equal(batch.Documentos[batch.Documento[i]], decoded.Documentos[decoded.Documento[i]]);
        }
    }

    [Fact]
    public void OneDayOfASharedDictionaryBatchCarriesOnlyItsOwnValues()
    {
        var builder = new GestionBatchBuilder();
        var monday = GeneratedGestiones.Day.DayNumber;
        builder.Add(monday, 8, "EJ01", "LLAMADA", "NO CONTESTA", 0, 100, "111");
        builder.Add(monday + 1, 9, "EJ02", "SMS", "PROMESA DE PAGO", 1, 200, "222");
        builder.Add(monday, 10, "EJ01", "LLAMADA", "NO CONTESTA", 0, 300, "333");
        var mondayOnly = builder.Build().ForDay(monday);

        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(new DayDelta(mondayOnly))).Gestiones!;

        Assert.Equal(["EJ01"], decoded.Ejecutivos);
        Assert.Equal(["LLAMADA"], decoded.Canales);
        Assert.Equal(["111", "333"], decoded.Documentos);
        Assert.Equal([monday, monday], decoded.DayNumber);
    }

    [Fact]
    public void RowsOfSeveralDaysKeepTheirDays()
    {
        var builder = new GestionBatchBuilder();
        builder.Add(100, 8, "EJ01", "LLAMADA", "NO CONTESTA", 0, 100, "111");
        builder.Add(101, 9, "EJ02", "SMS", "PROMESA DE PAGO", 1, 200, "222");

        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(new DayDelta(builder.Build()))).Gestiones!;

        Assert.Equal([100, 101], decoded.DayNumber);
    }

    [Fact]
    public void JornadasOnlyDeltaHasNoGestiones()
    {
        var delta = new DayDelta(null, [("EJ01", 800), ("Peña", 0)]);

        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(delta));

        Assert.Null(decoded.Gestiones);
        Assert.Equal(delta.Jornadas, decoded.Jornadas);
    }

    [Fact]
    public void EmptyBatchStaysAnEmptyBatch()
    {
        var decoded = DayDeltaCodec.Decode(DayDeltaCodec.Encode(new DayDelta(new GestionBatchBuilder().Build())));

        Assert.NotNull(decoded.Gestiones);
        Assert.Equal(0, decoded.Gestiones.Count);
        Assert.True(decoded.IsEmpty);
    }

    [Fact]
    public void LaterJornadaReplacesEarlierAndChangesAreReported()
    {
        var table = new DayTable().Add("EJ01").Add("EJ02").Add("EJ03").Jornada("EJ01", 800).Jornada("EJ02", 500).Table;
        var changed = new List<string>();

        table.ApplyDelta(new DayDelta(null, [("EJ01", 300), ("EJ01", 800), ("EJ02", 100), ("EJ03", 640), ("EJ03", 700)]), changedJornadas: changed);

        Assert.Equal(["EJ02", "EJ03"], changed.Order(StringComparer.Ordinal));
        var view = new ResultView(TheEngine.Query([table], TheEngine.StandardMapping(), [Dimension.Ejecutivo], ["horas_trabajadas"]));
        Assert.Equal(8.00m, view["EJ01", "horas_trabajadas"]);
        Assert.Equal(1.00m, view["EJ02", "horas_trabajadas"]);
        Assert.Equal(7.00m, view["EJ03", "horas_trabajadas"]);
    }

    [Fact]
    public void DeltaOfAnotherDayIsRefusedByTheTable()
    {
        var delta = new DayDelta(GeneratedGestiones.Batch(seed: 45, rows: 3, day: GeneratedGestiones.Day.AddDays(1)));

        Assert.Throws<ArgumentException>(() => new MetricTable(GeneratedGestiones.Day).ApplyDelta(delta));
    }

    [Fact]
    public void DeltaSizeDependsOnTheBatchNotOnTheTable()
    {
        // The grain's path: the table has taken 10k or 200k rows; the next batch of 1,000 rows is encoded.
        var sizes = new List<int>();
        foreach (var tableRows in new[] { 10_000, 200_000 })
        {
            var table = GeneratedGestiones.Table(seed: 51, rows: tableRows, batchRows: 10_000, documentos: 150_000);
            var next = new DayDelta(GeneratedGestiones.Batch(seed: 52, rows: 1_000, documentos: 150_000), GeneratedGestiones.Jornadas(53));
            var payload = DayDeltaCodec.Encode(next);
            table.ApplyDelta(DayDeltaCodec.Decode(payload));
            sizes.Add(payload.Length);
            output.WriteLine($"table of {tableRows:N0} rows ({table.CellCount:N0} cells, {table.PairCount:N0} pairs, snapshot {MetricTableCodec.Encode(table).Length:N0} bytes): 1,000-row delta {payload.Length:N0} bytes");
        }

        Assert.Equal(sizes[0], sizes[1]);

        // Linear in the rows: about 25 bytes a row with mostly distinct documentos, never more than 48.
        var perRow = new List<double>();
        foreach (var rows in new[] { 1_000, 4_000, 16_000 })
        {
            var bytes = DayDeltaCodec.Encode(new DayDelta(GeneratedGestiones.Batch(seed: 54, rows: rows, documentos: 1_000_000))).Length;
            perRow.Add((double)bytes / rows);
            output.WriteLine($"{rows:N0}-row delta: {bytes:N0} bytes, {(double)bytes / rows:F1} bytes a row");
            Assert.InRange(bytes, rows * 20, rows * 48);
        }

        Assert.InRange(perRow.Max() / perRow.Min(), 1.0, 1.15);
    }

    [Fact]
    public void UnknownVersionIsRefused()
    {
        var bytes = DayDeltaCodec.Encode(new DayDelta(GeneratedGestiones.Batch(seed: 55, rows: 10)));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 2);

        var error = Assert.Throws<UnsupportedFormatVersionException>(() => DayDeltaCodec.Decode(bytes));

        Assert.Equal(2, error.Version);
        Assert.Contains("day delta: format version 2 is not supported; this build reads version 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedDeltaIsRefusedAtEveryLength()
    {
        var bytes = DayDeltaCodec.Encode(new DayDelta(GeneratedGestiones.Batch(seed: 56, rows: 20), [("EJ01", 800)]));

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => DayDeltaCodec.Decode(bytes.AsSpan(0, length)));
            Assert.StartsWith("day delta: truncated", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MalformedBatchIsRefusedWhenEncoding()
    {
        var batch = GeneratedGestiones.Batch(seed: 57, rows: 5);
        batch.Canal[2] = batch.Canales.Length;

        var error = Assert.Throws<ArgumentException>(() => DayDeltaCodec.Encode(new DayDelta(batch)));

        Assert.Contains("Canal column holds index", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1_500)]
    public void DayBuilderWritesTheBytesOfTheSameRowsEncodedFromABatch(int rows)
    {
        // Enough rows for documentos past 256 values: their indexes take two bytes.
        var day = GeneratedGestiones.Day.DayNumber;
        var batch = new GestionBatchBuilder();
        var builder = new GestionDayBuilder(day, capacity: 2);
        var random = new Random(58);
        for (var i = 0; i < rows; i++)
        {
            var record = RandomRecord(random, day, documentos: 900);
            batch.Add(record);
            builder.Add(record);
        }

        Assert.Equal(DayDeltaCodec.Encode(new DayDelta(batch.Build())), builder.Encode());
    }

    [Fact]
    public void DayBuilderResetForAnotherDayWritesWhatAFreshBuilderWrites()
    {
        // The importer reuses builders across file batches: nothing of the earlier day may leak into the next one
        // (rows, dictionary values, their ids or cached strings).
        var first = GeneratedGestiones.Day.DayNumber;
        var next = first + 3;
        var reused = new GestionDayBuilder(first, capacity: 2);
        var fresh = new GestionDayBuilder(next);
        var random = new Random(61);
        Fill(random, first, 1_500, documentos: 900, reused);

        Assert.NotNull(reused.Documentos.GetString(0));
        reused.Reset(next);
        Assert.Equal(next, reused.DayNumber);
        Assert.Equal(0, reused.Count);
        Assert.Throws<ArgumentException>(() => reused.Add(new GestionRecord { DayNumber = first }));
        Fill(random, next, 300, documentos: 50, reused, fresh);

        Assert.Equal(fresh.Encode(), reused.Encode());
        Assert.Equal(fresh.Documentos.GetString(0), reused.Documentos.GetString(0));

        static void Fill(Random random, int day, int count, int documentos, params GestionDayBuilder[] builders)
        {
            for (var i = 0; i < count; i++)
            {
                var record = RandomRecord(random, day, documentos);
                foreach (var builder in builders)
                {
                    builder.Add(record);
                }
            }
        }
    }

    [Fact]
    public void DayBuilderRefusesARowOfAnotherDay()
    {
        var builder = new GestionDayBuilder(GeneratedGestiones.Day.DayNumber);

        Assert.Throws<ArgumentException>(() => builder.Add(new GestionRecord { DayNumber = GeneratedGestiones.Day.DayNumber + 1 }));
        Assert.Equal(0, builder.Count);
    }

    /// <summary>A gestión of <paramref name="day"/> with random fields, its documento one of <paramref name="documentos"/>.</summary>
    private static GestionRecord RandomRecord(Random random, int day, int documentos) => new()
    {
        DayNumber = day,
        Hora = random.Next(24),
        Ejecutivo = Encoding.UTF8.GetBytes($"EJ{random.Next(40):00}"),
        Canal = Encoding.UTF8.GetBytes(random.Next(3) == 0 ? "SMS" : "LLAMADA"),
        Tipificacion = Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "PROMESA DE PAGO" : "Ñ NO CONTESTA"),
        Tramo = random.Next(6),
        SaldoCents = random.NextInt64(-1_000_000, 1_000_000_000),
        Documento = Encoding.UTF8.GetBytes($"D{random.Next(documentos):0000}"),
    };
}
