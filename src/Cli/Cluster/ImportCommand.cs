using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Cli.Cluster;

/// <summary>
/// <c>pulso import --input DIR [--tenant T]</c>: gestiones, jornadas and homologation files (shared/bench format)
/// into the cluster. Each batch's identity comes from the file's content hash and the batch's index, so a batch
/// retried after a silo failure, or a whole import run again, is counted once.
/// </summary>
internal static class ImportCommand
{
    /// <summary>File rows per batch: fixed, because batch identities depend on it.</summary>
    private const int RowsPerBatch = 200_000;

    public static Command Create()
    {
        var input = new Option<DirectoryInfo>("--input", "-i") { Description = "Folder with gestiones.csv, jornadas.csv and homologacion.csv", Required = true };
        var tenant = new Option<string?>("--tenant") { Description = "Import only this tenant's rows" };
        var deadline = new Option<int>("--retry-seconds") { Description = "How long a failed call is retried (default 120)", DefaultValueFactory = _ => 120 };
        var command = new Command("import", "Import CSV files into the cluster, creating missing tenants") { input, tenant, deadline };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(input)!.FullName, parse.GetValue(tenant), TimeSpan.FromSeconds(parse.GetValue(deadline)), Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(string inputDir, string? onlyTenant, TimeSpan retryFor, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        try
        {
            if (onlyTenant is not null && !GrainKeys.IsTenantId(onlyTenant))
            {
                throw new ArgumentException($"--tenant '{onlyTenant}' is not a valid tenant id");
            }

            var gestionesPath = Require(inputDir, "gestiones.csv");
            var jornadasPath = Require(inputDir, "jornadas.csv");
            var homologacionPath = Require(inputDir, "homologacion.csv");
            Dictionary<string, List<HomologationRule>> homologation;
            using (var reader = new CsvReader(File.OpenRead(homologacionPath), "homologacion.csv"))
            {
                homologation = HomologationCsv.Read(reader);
            }

            var jornadas = new Dictionary<(string Cliente, DateOnly Day), Dictionary<string, long>>();
            using (var reader = new CsvReader(File.OpenRead(jornadasPath), "jornadas.csv"))
            {
                JornadaCsv.Read(reader, j =>
                {
                    if (onlyTenant is null || j.Cliente == onlyTenant)
                    {
                        if (!jornadas.TryGetValue((j.Cliente, j.Fecha), out var day))
                        {
                            jornadas[(j.Cliente, j.Fecha)] = day = new Dictionary<string, long>(StringComparer.Ordinal);
                        }

                        day[j.Ejecutivo] = j.HorasCents;
                    }
                });
            }

            var fileHash = await HashAsync(gestionesPath, ct);
            using var host = await ClusterConnection.ConnectAsync(ClusterConnection.Configuration(), ct);
            using var importer = new Importer(host.Client(), homologation, retryFor, stderr);
            var clock = Stopwatch.StartNew();
            var rejects = new RejectLog(0);
            var invalidTenants = new SortedDictionary<string, long>(StringComparer.Ordinal);
            var rows = 0L;
            var accepted = 0L;
            var batchIndex = 0;
            var builders = new Dictionary<string, GestionBatchBuilder>(StringComparer.Ordinal);
            var total = new FileInfo(gestionesPath).Length;
            var lastReport = 0L;
            using (var reader = new CsvReader(File.OpenRead(gestionesPath), "gestiones.csv"))
            {
                var schema = CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns);
                var columns = GestionCsv.Columns.Of(schema);
                var clienteColumn = schema["cliente"];
                var rowsInBatch = 0;
                while (reader.Read())
                {
                    schema.CheckFieldCount(reader);
                    var cliente = Encoding.UTF8.GetString(reader.Field(clienteColumn));
                    if (onlyTenant is null || cliente == onlyTenant)
                    {
                        rows++;
                        if (!GrainKeys.IsTenantId(cliente))
                        {
                            invalidTenants[cliente] = invalidTenants.GetValueOrDefault(cliente) + 1;
                        }
                        else if (GestionCsv.TryAccept(reader, columns, out var record, out var reason))
                        {
                            if (!builders.TryGetValue(cliente, out var builder))
                            {
                                builders[cliente] = builder = new GestionBatchBuilder();
                            }

                            builder.Add(record);
                            accepted++;
                        }
                        else
                        {
                            rejects.Count(reason);
                        }
                    }

                    if (++rowsInBatch == RowsPerBatch)
                    {
                        await importer.SendAsync($"g-{fileHash}-{batchIndex++}", builders, ct);
                        builders = new Dictionary<string, GestionBatchBuilder>(StringComparer.Ordinal);
                        rowsInBatch = 0;
                    }

                    if ((rows & 0x3FFF) == 0 && clock.ElapsedMilliseconds - lastReport > 500)
                    {
                        lastReport = clock.ElapsedMilliseconds;
                        stderr.WriteLine($"pulso import: {reader.Position * 100 / Math.Max(1, total)}% ({rows:N0} rows read, {rows / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} rows/s)");
                    }
                }

                await importer.SendAsync($"g-{fileHash}-{batchIndex}", builders, ct);
            }

            var jornadaHash = await HashAsync(jornadasPath, ct);
            await importer.SendJornadasAsync($"j-{jornadaHash}", jornadas, ct);
            await importer.DrainAsync();

            stdout.WriteLine($"imported {rows:N0} rows in {clock.Elapsed.TotalSeconds:F1} s: {accepted:N0} accepted, {rejects.Total:N0} rejected; {importer.Batches:N0} day batches sent, {importer.Duplicates:N0} already applied before");
            foreach (var reason in RejectReasons.All)
            {
                stdout.WriteLine($"  {RejectReasons.Name(reason)}: {rejects[reason]:N0}");
            }

            foreach (var (cliente, count) in invalidTenants)
            {
                stdout.WriteLine($"  skipped {count:N0} rows of cliente '{cliente}': not a valid tenant id");
            }

            return 0;
        }
        catch (Exception e) when (e is CsvFormatException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or OrleansException or TimeoutException or InvalidOperationException)
        {
            stderr.WriteLine($"pulso import: {e.Message}");
            return 1;
        }
    }

    private static string Require(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name}: not found in '{dir}'");
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>Sends day batches with bounded concurrency, retrying each with the same identity until a deadline.</summary>
    private sealed class Importer(IClusterClient client, Dictionary<string, List<HomologationRule>> homologation, TimeSpan retryFor, TextWriter stderr) : IDisposable
    {
        private readonly SemaphoreSlim _inFlight = new(16);
        private readonly List<Task> _pending = [];
        private readonly HashSet<string> _tenants = new(StringComparer.Ordinal);
        private long _batches;
        private long _duplicates;

        public long Batches => _batches;

        public long Duplicates => _duplicates;

        public async Task SendAsync(string batchId, Dictionary<string, GestionBatchBuilder> builders, CancellationToken ct)
        {
            foreach (var (cliente, builder) in builders)
            {
                await EnsureTenantAsync(cliente);
                var batch = builder.Build();
                foreach (var day in batch.Days())
                {
                    var date = DateOnly.FromDayNumber(day);
                    await QueueAsync(cliente, batch.ToDayBatch(batchId, date), ct);
                }
            }
        }

        public async Task SendJornadasAsync(string batchId, Dictionary<(string Cliente, DateOnly Day), Dictionary<string, long>> jornadas, CancellationToken ct)
        {
            foreach (var ((cliente, day), hours) in jornadas)
            {
                if (!GrainKeys.IsTenantId(cliente))
                {
                    continue;
                }

                await EnsureTenantAsync(cliente);
                var empty = new GestionBatchBuilder().Build();
                await QueueAsync(cliente, empty.ToDayBatch(batchId, day, hours.Select(h => (h.Key, h.Value)).ToList()), ct);
            }
        }

        public void Dispose() => _inFlight.Dispose();

        public async Task DrainAsync()
        {
            await Task.WhenAll(_pending);
            _pending.Clear();
        }

        private async Task QueueAsync(string cliente, DayBatch batch, CancellationToken ct)
        {
            await _inFlight.WaitAsync(ct);
            _pending.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        var result = await RetryAsync(() => client.GetGrain<IMetricTableGrain>(GrainKeys.Day(cliente, batch.Day)).Apply(batch), $"{cliente}/{batch.Day:yyyy-MM-dd}");
                        Interlocked.Increment(ref _batches);
                        if (result.Duplicate)
                        {
                            Interlocked.Increment(ref _duplicates);
                        }
                    }
                    finally
                    {
                        _inFlight.Release();
                    }
                },
                ct));
            if (_pending.Count > 256)
            {
                await Task.WhenAll(_pending.Where(t => t.IsCompleted));
                _pending.RemoveAll(t => t.IsCompleted);
            }
        }

        private async Task EnsureTenantAsync(string cliente)
        {
            if (!_tenants.Add(cliente))
            {
                return;
            }

            var tenant = client.GetGrain<ITenantGrain>(GrainKeys.Tenant(cliente));
            if (await RetryAsync(() => tenant.Create(TenantSettings.Default(cliente)), cliente))
            {
                stderr.WriteLine($"pulso import: created tenant '{cliente}'");
            }

            if (homologation.TryGetValue(cliente, out var rules))
            {
                var problems = await RetryAsync(() => tenant.SetHomologation(rules.Select(r => new HomologationRuleContract(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)).ToList()), cliente);
                if (problems.Count > 0)
                {
                    throw new ArgumentException($"homologacion.csv (cliente {cliente}): {string.Join("; ", problems)}");
                }
            }
        }

        /// <summary>A silo's death fails calls until membership declares it dead: retry the same call until the deadline.</summary>
        private async Task<T> RetryAsync<T>(Func<Task<T>> call, string what)
        {
            var deadline = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(200);
            while (true)
            {
                try
                {
                    return await call();
                }
                catch (Exception e) when (e is not ArgumentException && deadline.Elapsed < retryFor)
                {
                    stderr.WriteLine($"pulso import: {what}: {e.GetType().Name}: {e.Message.Split('\n')[0]} (retrying)");
                    await Task.Delay(delay);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
                }
            }
        }
    }
}
