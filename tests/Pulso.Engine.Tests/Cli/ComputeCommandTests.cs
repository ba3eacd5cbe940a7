using System.Reflection;
using System.Text;
using System.Text.Json;
using Pulso.Engine.Tests.Support;

namespace Pulso.Engine.Tests.Cli;

public sealed class ComputeCommandTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EdgeFixtureGivesTheExpectedFilesByteForByte(int threads)
    {
        using var output = new TempFolder();

        var run = Compute.Run(SharedFolder.EdgeFixture, output.Path, threads);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(SharedFolder.EdgeFixture, "expected", "metrics.csv")), File.ReadAllText(output.File("metrics.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(SharedFolder.EdgeFixture, "expected", "rejects.csv")), File.ReadAllText(output.File("rejects.csv")));
    }

    [Fact]
    public void SummaryIsOneJsonLineWithTheCounts()
    {
        using var output = new TempFolder();

        var run = Compute.Run(SharedFolder.EdgeFixture, output.Path, 1);

        var line = Assert.Single(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("pulso", root.GetProperty("engine").GetString());
        Assert.Equal(166, root.GetProperty("rows_in").GetInt64());
        Assert.Equal(21, root.GetProperty("rows_rejected").GetInt64());
        Assert.Equal(6, root.GetProperty("groups").GetInt64());
        Assert.True(root.GetProperty("seconds_total").GetDouble() >= 0);
        Assert.Equal(string.Empty, run.Stderr);
    }

    [Fact]
    public void OutputFolderIsCreated()
    {
        using var output = new TempFolder();
        var target = Path.Combine(output.Path, "a", "b");

        var run = Compute.Run(SharedFolder.EdgeFixture, target, 1);

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(Path.Combine(target, "metrics.csv")));
    }

    [Fact]
    public void MissingInputFolderIsAOneLineError()
    {
        using var output = new TempFolder();

        var run = Compute.Run(Path.Combine(output.Path, "nope"), output.Path, 1);

        AssertOneLineError(run, "nope");
    }

    [Theory]
    [InlineData("gestiones.csv")]
    [InlineData("jornadas.csv")]
    [InlineData("homologacion.csv")]
    public void MissingFileIsAOneLineErrorNamingIt(string missing)
    {
        using var input = CopyOfEdgeFixture();
        File.Delete(input.File(missing));
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        AssertOneLineError(run, missing);
        Assert.False(File.Exists(output.File("metrics.csv")));
    }

    [Theory]
    [InlineData("gestiones.csv", "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,canal\n1,a,2026-01-05 08:00:00,1,EJ1,X,1,SMS\n", "dias_mora")]
    [InlineData("jornadas.csv", "cliente,ejecutivo,horas_trabajadas\nbanco-a,EJ0001,8.00\n", "fecha")]
    [InlineData("homologacion.csv", "cliente,tipificacion,es_contacto,es_compromiso\n", "categoria")]
    public void MissingColumnIsAOneLineErrorNamingIt(string file, string content, string column)
    {
        using var input = CopyOfEdgeFixture();
        File.WriteAllText(input.File(file), content);
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        AssertOneLineError(run, file, $"missing column {column}");
    }

    public static TheoryData<string, byte[]> NonCsvFiles => new()
    {
        { "gestiones.csv", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xFF, 0xC3, 0x28, 0x0A] },
        { "gestiones.csv", [0x89, .. "PNG\r\n"u8.ToArray(), 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0xFF] },
        { "gestiones.csv", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("gestion_id,cliente\n")).ToArray() },
        { "gestiones.csv", "{\"gestiones\": [{\"cliente\": \"banco-a\"}]}\n"u8.ToArray() },
        { "gestiones.csv", [] },
        { "jornadas.csv", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00, 0xC0, 0x0A] },
        { "homologacion.csv", "<html><body>\"not csv</body></html>\n"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(NonCsvFiles))]
    public void NonCsvFileIsAOneLineErrorNamingIt(string file, byte[] content)
    {
        using var input = CopyOfEdgeFixture();
        File.WriteAllBytes(input.File(file), content);
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        AssertOneLineError(run, file);
    }

    [Fact]
    public void MalformedGestionIsAOneLineErrorNamingItsLine()
    {
        using var input = CopyOfEdgeFixture();
        var lines = File.ReadAllLines(input.File("gestiones.csv")).ToList();
        lines.Insert(9, "999,banco-a,2026-01-05 08:00:00,1,EJ0001,\"ABIERTA,1.00,0,SMS");
        File.WriteAllText(input.File("gestiones.csv"), string.Join("\n", lines) + "\n");
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        AssertOneLineError(run, "gestiones.csv", "line 10");
    }

    [Fact]
    public void RejectedJornadasAreReportedOnStderrAndTheRunSucceeds()
    {
        using var input = CopyOfEdgeFixture();
        File.AppendAllText(input.File("jornadas.csv"), "banco-a,EJ0001,2026-02-30,8.00\nbanco-a,EJ0002,2026-01-06,-1.00\nbanco-a, ,2026-01-06,1.00\n");
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("jornadas.csv: line 8: rejected (FechaInvalida)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("jornadas.csv: line 9: rejected (HorasInvalidas)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("jornadas.csv: line 10: rejected (EjecutivoVacio)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("3 row(s) rejected", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(SharedFolder.EdgeFixture, "expected", "metrics.csv")), File.ReadAllText(output.File("metrics.csv")));
    }

    [Fact]
    public void NoGestionesGivesTheHeaderAndZeroRejects()
    {
        using var input = CopyOfEdgeFixture();
        File.WriteAllText(input.File("gestiones.csv"), "gestion_id,cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n");
        using var output = new TempFolder();

        var run = Compute.Run(input.Path, output.Path, 1);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "cliente,ejecutivo,dia,total_gestiones,contactos,compromisos,saldo_total,deudores_unicos,horas_trabajadas,tasa_contactabilidad,pdps_por_hora\n",
            File.ReadAllText(output.File("metrics.csv")));
        Assert.Equal("reason,count\nfecha_invalida,0\ndocumento_vacio,0\nsaldo_invalido,0\ndias_mora_invalido,0\n", File.ReadAllText(output.File("rejects.csv")));
    }

    private static void AssertOneLineError(Compute.Outcome run, params string[] mentions)
    {
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pulso compute: ", line, StringComparison.Ordinal);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, line, StringComparison.Ordinal);
        }

        Assert.Equal(string.Empty, run.Stdout);
    }

    private static TempFolder CopyOfEdgeFixture()
    {
        var folder = new TempFolder();
        foreach (var name in new[] { "gestiones.csv", "jornadas.csv", "homologacion.csv" })
        {
            File.Copy(Path.Combine(SharedFolder.EdgeFixture, name), folder.File(name));
        }

        return folder;
    }
}

/// <summary>
/// Calls <c>Pulso.Cli.Compute.ComputeCommand.Run</c>, internal to the <c>pulso</c> assembly, by reflection
/// (the CLI project does not expose its internals to this test assembly).
/// </summary>
internal static class Compute
{
    private static readonly Lazy<MethodInfo> s_run = new(() =>
    {
        var type = Assembly.Load("pulso").GetType("Pulso.Cli.Compute.ComputeCommand", throwOnError: true)!;
        return type.GetMethod("Run", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(string), typeof(string), typeof(int), typeof(TextWriter), typeof(TextWriter)])
            ?? throw new InvalidOperationException("ComputeCommand.Run(string, string, int, TextWriter, TextWriter) not found");
    });

    public static Outcome Run(string input, string output, int threads)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        int exitCode;
        try
        {
            exitCode = (int)s_run.Value.Invoke(null, [input, output, threads, stdout, stderr])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"pulso compute threw instead of reporting an error: {e.InnerException}", e.InnerException);
        }

        return new Outcome(exitCode, stdout.ToString(), stderr.ToString());
    }

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);
}
