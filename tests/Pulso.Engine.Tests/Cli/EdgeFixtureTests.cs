using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Cli;

/// <summary>The engine API (not the CLI) against shared/bench/fixtures/edge and its hand-checked expected files.</summary>
public sealed class EdgeFixtureTests
{
    [Fact]
    public void EngineReproducesTheExpectedMetrics()
    {
        var data = TheEngine.Load(SharedFolder.EdgeFixture);
        using var metrics = new MemoryStream();

        var clientes = data.Cubes.Keys.Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < clientes.Count; i++)
        {
            var result = TheEngine.Query(data.Cubes[clientes[i]].Tables, data.MappingOf(clientes[i]), [Dimension.Ejecutivo, Dimension.Dia]);
            CsvResultWriter.Write(result, metrics, header: i == 0, leadingColumn: ("cliente", clientes[i]));
        }

        Assert.Equal(File.ReadAllText(Path.Combine(SharedFolder.EdgeFixture, "expected", "metrics.csv")), Encoding.UTF8.GetString(metrics.ToArray()));
    }

    [Fact]
    public void EngineReproducesTheExpectedRejects()
    {
        var data = TheEngine.Load(SharedFolder.EdgeFixture);
        var expected = CsvText.Records(File.ReadAllText(Path.Combine(SharedFolder.EdgeFixture, "expected", "rejects.csv")))
            .Skip(1)
            .ToDictionary(r => r.Fields[0], r => long.Parse(r.Fields[1], System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, data.Aggregate.Rejects.ToDictionary());
        Assert.Equal(RejectReasons.All.Select(RejectReasons.Name), expected.Keys);
        Assert.Equal(data.Aggregate.Rejects.Total, data.Aggregate.Rejects.Rows.Count);
    }

    [Fact]
    public void SharedFolderIsFoundOrNamed()
    {
        Assert.True(Directory.Exists(SharedFolder.Path), $"shared folder: {SharedFolder.Path}");
        Assert.True(File.Exists(Path.Combine(SharedFolder.EdgeFixture, "expected", "metrics.csv")));
    }
}
