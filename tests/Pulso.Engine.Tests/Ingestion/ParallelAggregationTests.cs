using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Ingestion;

/// <summary>Two generated gestiones files of about 25 MiB: enough for three 8 MiB ranges.</summary>
public sealed class LargeGestionesFiles : IDisposable
{
    private const long MinBytes = 25L << 20;
    private const int Seed = 424242;
    private readonly TempFolder _folder = new();

    public LargeGestionesFiles()
    {
        Plain = _folder.File("plain.csv");
        PlainData = new BenchDataGenerator(Seed) { DirtyShare = 0.004, CrlfShare = 0.1 };
        PlainData.WriteGestiones(Plain, rows: 0, minBytes: MinBytes);

        // Same rows again, plus a big multi-line row across every split point of 2 and 3 workers.
        var dryRun = new BenchDataGenerator(Seed + 1) { DirtyShare = 0.004 };
        dryRun.WriteGestiones(Stream.Null, rows: 0, minBytes: MinBytes);
        var dataStart = Encoding.UTF8.GetByteCount(GestionesCsv.Header + "\n");
        var length = dryRun.BytesWritten + (3 * BenchDataGenerator.BigRowBytes);
        SplitTargets = [.. new[] { (2, 1), (3, 1), (3, 2) }.Select(s => dataStart + ((length - dataStart) * s.Item2 / s.Item1))];
        MultiLine = _folder.File("multiline.csv");
        MultiLineData = new BenchDataGenerator(Seed + 1) { DirtyShare = 0.004 };
        MultiLineData.WriteGestiones(MultiLine, rows: dryRun.Rows, bigRowsAround: SplitTargets);
        Homologation = _folder.File("homologacion.csv");
        BenchDataGenerator.WriteHomologacion(Homologation);
    }

    public string Plain { get; }

    internal BenchDataGenerator PlainData { get; }

    public string MultiLine { get; }

    internal BenchDataGenerator MultiLineData { get; }

    /// <summary>Where GestionAggregator aims its range splits for 2 and 3 workers (it then moves to the next line break).</summary>
    public IReadOnlyList<long> SplitTargets { get; }

    public string Homologation { get; }

    public void Dispose() => _folder.Dispose();
}

public sealed class ParallelAggregationTests(LargeGestionesFiles files) : IClassFixture<LargeGestionesFiles>
{
    [Fact]
    public void FileIsLargeEnoughForThreeRanges()
    {
        Assert.True(new FileInfo(files.Plain).Length > (24L << 20) + 100);
        Assert.True(new FileInfo(files.MultiLine).Length > (24L << 20) + 100);
    }

    [Fact]
    public void SingleReaderFindsEveryDirtyRowOnItsLine()
    {
        var aggregate = GestionAggregator.AggregateFile(files.Plain, 1);

        Assert.Equal(files.PlainData.Rows, aggregate.Rows);
        Assert.Equal(files.PlainData.ExpectedRejects, aggregate.Rejects.Rows.Select(r => (r.Line, r.Reason)));
        foreach (var reason in RejectReasons.All)
        {
            Assert.Equal(files.PlainData.ExpectedRejects.Count(r => r.Reason == reason), aggregate.Rejects[reason]);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void ParallelReadEqualsSingleRead(int parallelism)
    {
        var single = GestionAggregator.AggregateFile(files.Plain, 1);
        var parallel = GestionAggregator.AggregateFile(files.Plain, parallelism);

        AssertSame(single, parallel);
        Assert.Equal(files.PlainData.ExpectedRejects, parallel.Rejects.Rows.Select(r => (r.Line, r.Reason)));
    }

    [Fact]
    public void ParallelReadKeepsTheSameQuarantine()
    {
        var single = GestionAggregator.AggregateFile(files.Plain, 1, quarantine: 100);
        var parallel = GestionAggregator.AggregateFile(files.Plain, 3, quarantine: 100);

        Assert.Equal(100, parallel.Rejects.Rows.Count);
        Assert.Equal(files.PlainData.ExpectedRejects.Count, parallel.Rejects.Total);
        AssertSameRejects(single.Rejects, parallel.Rejects);
    }

    [Fact]
    public void EverySplitTargetFallsInsideAQuotedMultiLineField()
    {
        // Precondition of the next test. If GestionAggregator changes how it picks split points, update SplitTargets.
        var bytes = File.ReadAllBytes(files.MultiLine);
        Assert.Equal(3, files.MultiLineData.BigRows.Count);
        foreach (var target in files.SplitTargets)
        {
            var (start, end) = Assert.Single(files.MultiLineData.BigRows, r => r.Start < target && target < r.End);
            var firstBreak = Array.IndexOf(bytes, (byte)'\n', (int)target);
            Assert.InRange(firstBreak, start, end - 2);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void QuotedLineBreaksAcrossSplitPointsGiveTheSingleReadAnswer(int parallelism)
    {
        var single = GestionAggregator.AggregateFile(files.MultiLine, 1);
        var parallel = GestionAggregator.AggregateFile(files.MultiLine, parallelism);

        Assert.Equal(files.MultiLineData.Rows, single.Rows);
        Assert.Equal(files.MultiLineData.ExpectedRejects, single.Rejects.Rows.Select(r => (r.Line, r.Reason)));
        AssertSame(single, parallel);
        var bigRows = TheEngine.Query(
            parallel.Cubes["banco-andino"].Tables,
            HomologationTable.Empty,
            [Dimension.Tipificacion],
            ["total_gestiones"],
            TheEngine.Filters((Dimension.Tipificacion, [BenchDataGenerator.BigTipificacion])));
        Assert.Equal(3m, new ResultView(bigRows)[0, "total_gestiones"]);
    }

    private void AssertSame(GestionAggregate expected, GestionAggregate actual)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        AssertSameRejects(expected.Rejects, actual.Rejects);
        Assert.Equal(expected.Cubes.Keys.Order(StringComparer.Ordinal), actual.Cubes.Keys.Order(StringComparer.Ordinal));
        var homologation = LoadHomologation();
        foreach (var (cliente, cube) in expected.Cubes)
        {
            var other = actual.Cubes[cliente];
            Assert.Equal(cube.Tables.Select(t => (t.Day, t.GestionCount)), other.Tables.Select(t => (t.Day, t.GestionCount)));
            var mapping = homologation.GetValueOrDefault(cliente) ?? HomologationTable.Empty;
            foreach (var groupBy in new Dimension[][] { [Dimension.Ejecutivo, Dimension.Dia], [Dimension.Hora, Dimension.Canal, Dimension.TramoMora], [Dimension.Tipificacion, Dimension.Categoria], [] })
            {
                var want = CsvResultWriter.ToCsv(TheEngine.Query(cube.Tables, mapping, groupBy));
                var got = CsvResultWriter.ToCsv(TheEngine.Query(other.Tables, mapping, groupBy));
                Assert.Equal(want, got);
            }
        }
    }

    private static void AssertSameRejects(RejectLog expected, RejectLog actual)
    {
        Assert.Equal(expected.ToDictionary(), actual.ToDictionary());
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (var i = 0; i < expected.Rows.Count; i++)
        {
            var (want, got) = (expected.Rows[i], actual.Rows[i]);
            Assert.Equal((want.Source, want.Line, want.Reason), (got.Source, got.Line, got.Reason));
            Assert.Equal(want.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), got.Fields.OrderBy(f => f.Key, StringComparer.Ordinal));
        }
    }

    private Dictionary<string, HomologationTable> LoadHomologation() => TheEngine.Homologation(File.ReadAllText(files.Homologation));
}
