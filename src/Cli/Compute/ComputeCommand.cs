using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Cli.Compute;

/// <summary>
/// <c>pulso compute --input DIR --output DIR</c>: the per-ejecutivo, per-day metrics of the shared/bench
/// kit, computed by the engine from gestiones.csv, jornadas.csv and homologacion.csv.
/// </summary>
internal static class ComputeCommand
{
    public static Command Create()
    {
        var input = new Option<DirectoryInfo>("--input", "-i")
        {
            Description = "Folder with gestiones.csv, jornadas.csv and homologacion.csv",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Folder to write metrics.csv and rejects.csv to (created if missing)",
            Required = true,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "Reader threads (default: one per core)",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("compute", "Compute per-ejecutivo, per-day metrics from CSV files, like the shared/bench reference programs")
        {
            input, output, threads,
        };
        command.SetAction(parse => Run(
            parse.GetValue(input)!.FullName,
            parse.GetValue(output)!.FullName,
            parse.GetValue(threads),
            Console.Out,
            Console.Error));
        return command;
    }

    /// <summary>Runs the computation; returns the process exit code (0 ok, 1 bad input).</summary>
    public static int Run(string inputDir, string outputDir, int threads, TextWriter stdout, TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var gestionesPath = RequireFile(inputDir, "gestiones.csv");
            var jornadasPath = RequireFile(inputDir, "jornadas.csv");
            var homologacionPath = RequireFile(inputDir, "homologacion.csv");

            Dictionary<string, HomologationTable> homologation;
            using (var reader = new CsvReader(File.OpenRead(homologacionPath), "homologacion.csv"))
            {
                homologation = HomologationCsv.ReadTables(reader);
            }

            var progress = new StderrProgress(stderr, "gestiones.csv");
            var aggregate = GestionAggregator.AggregateFile(gestionesPath, threads, progress);
            progress.Done();

            var cubes = new Dictionary<string, TenantCube>(aggregate.Cubes, StringComparer.Ordinal);
            var jornadaRejects = 0L;
            using (var reader = new CsvReader(File.OpenRead(jornadasPath), "jornadas.csv"))
            {
                JornadaCsv.Read(
                    reader,
                    j =>
                    {
                        if (!cubes.TryGetValue(j.Cliente, out var cube))
                        {
                            cubes[j.Cliente] = cube = new TenantCube(j.Cliente);
                        }

                        cube.GetOrCreate(j.Fecha).SetJornada(System.Text.Encoding.UTF8.GetBytes(j.Ejecutivo), j.HorasCents);
                    },
                    (line, reason) =>
                    {
                        if (jornadaRejects++ < 10)
                        {
                            stderr.WriteLine($"pulso: jornadas.csv: line {line}: rejected ({reason})");
                        }
                    });
            }

            if (jornadaRejects > 0)
            {
                stderr.WriteLine($"pulso: jornadas.csv: {jornadaRejects} row(s) rejected");
            }

            GestionAggregator.Trace("jornadas read");
            var tenants = cubes.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            var results = new QueryResult[tenants.Length];
            Parallel.For(0, tenants.Length, i =>
            {
                var cube = cubes[tenants[i]];
                var homologationTable = homologation.GetValueOrDefault(tenants[i]) ?? HomologationTable.Empty;
                var query = new MetricQuery(DateOnly.MinValue, DateOnly.MaxValue, Dimension.Ejecutivo, Dimension.Dia);
                results[i] = QueryEvaluator.Evaluate(cube.Tables, query, homologationTable, MetricCatalog.Builtin);
            });
            var computed = clock.Elapsed;
            GestionAggregator.Trace("queries evaluated");

            Directory.CreateDirectory(outputDir);
            var groups = 0;
            using (var metrics = new FileStream(Path.Combine(outputDir, "metrics.csv"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                for (var i = 0; i < tenants.Length; i++)
                {
                    CsvResultWriter.Write(results[i], metrics, header: i == 0, leadingColumn: ("cliente", tenants[i]));
                    groups += results[i].RowCount;
                }

                if (tenants.Length == 0)
                {
                    var empty = QueryEvaluator.Evaluate([], new MetricQuery(DateOnly.MinValue, DateOnly.MaxValue, Dimension.Ejecutivo, Dimension.Dia), HomologationTable.Empty, MetricCatalog.Builtin);
                    CsvResultWriter.Write(empty, metrics, header: true, leadingColumn: ("cliente", string.Empty));
                }
            }

            using (var rejects = new StreamWriter(Path.Combine(outputDir, "rejects.csv")))
            {
                rejects.NewLine = "\n";
                rejects.WriteLine("reason,count");
                foreach (var reason in RejectReasons.All)
                {
                    rejects.WriteLine($"{RejectReasons.Name(reason)},{aggregate.Rejects[reason].ToString(CultureInfo.InvariantCulture)}");
                }
            }

            var total = clock.Elapsed;
            stdout.WriteLine(Summary(aggregate, groups, total, computed));
            return 0;
        }
        catch (Exception e) when (e is CsvFormatException or FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            stderr.WriteLine($"pulso compute: {e.Message}");
            return 1;
        }
    }

    private static string RequireFile(string dir, string name)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"input folder '{dir}' does not exist");
        }

        var path = Path.Combine(dir, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name}: not found in '{dir}'");
    }

    private static string Summary(GestionAggregate aggregate, int groups, TimeSpan total, TimeSpan computed)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("engine", "pulso");
            json.WriteString("mode", "fused");
            json.WriteNumber("rows_in", aggregate.Rows);
            json.WriteNumber("rows_rejected", aggregate.Rejects.Total);
            json.WriteNumber("groups", groups);
            json.WriteNumber("seconds_total", Math.Round(total.TotalSeconds, 3));
            json.WriteNull("seconds_read");
            json.WriteNumber("seconds_compute", Math.Round(computed.TotalSeconds, 3));
            json.WriteNumber("seconds_write", Math.Round((total - computed).TotalSeconds, 3));
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Prints a progress line at most once a second, only for inputs that take a while.</summary>
    private sealed class StderrProgress(TextWriter stderr, string name) : IProgress<(long Bytes, long Total)>
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private long _lastPrint;
        private bool _printed;

        public void Report((long Bytes, long Total) value)
        {
            var now = _since.ElapsedMilliseconds;
            if (now < 1000 || now - _lastPrint < 1000)
            {
                return;
            }

            _lastPrint = now;
            _printed = true;
            var pct = value.Total == 0 ? 100 : value.Bytes * 100 / value.Total;
            lock (stderr)
            {
                stderr.WriteLine($"pulso: reading {name}: {pct}% ({value.Bytes >> 20} of {value.Total >> 20} MiB)");
            }
        }

        public void Done()
        {
            if (_printed)
            {
                stderr.WriteLine($"pulso: read {name} in {_since.Elapsed.TotalSeconds:F1} s");
            }
        }
    }
}
