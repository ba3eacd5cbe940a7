using System.CommandLine;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Persistence;

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
        var pace = new Option<long>("--max-rows-per-second") { Description = "Read at most this many gestiones a second, to spare a cluster that serves dashboards meanwhile (default 0: as fast as the cluster takes them)" };
        var command = new Command("import", "Import CSV files into the cluster, creating missing tenants") { input, tenant, deadline, pace };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(input)!.FullName, parse.GetValue(tenant), TimeSpan.FromSeconds(parse.GetValue(deadline)), Console.Out, Console.Error, ct, parse.GetValue(pace)));
        return command;
    }

    public static async Task<int> RunAsync(string inputDir, string? onlyTenant, TimeSpan retryFor, TextWriter stdout, TextWriter stderr, CancellationToken ct, long maxRowsPerSecond = 0)
    {
        try
        {
            if (onlyTenant is not null && !GrainKeys.IsTenantId(onlyTenant))
            {
                throw new ArgumentException($"--tenant '{onlyTenant}' is not a valid tenant id");
            }

            if (maxRowsPerSecond < 0)
            {
                throw new ArgumentException($"--max-rows-per-second must be 0 (no limit) or more, not {maxRowsPerSecond}");
            }

            var gestionesPath = Require(inputDir, "gestiones.csv");
            var jornadasPath = Require(inputDir, "jornadas.csv");
            var homologacionPath = Require(inputDir, "homologacion.csv");

            // Connecting to the cluster overlaps reading the small files and hashing the large one (the batches' identity).
            var connecting = ClusterConnection.ConnectAsync(ClusterConnection.Configuration(), ct);
            var hashing = Task.Run(() => HashAsync(gestionesPath, ct), ct);
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

            var jornadaHash = await HashAsync(jornadasPath, ct);
            using var host = await connecting;
            var fileHash = await hashing;
            await using var importer = new Importer(host.Client(), homologation, retryFor, stderr);
            var clock = Stopwatch.StartNew();

            // Jornadas first: they do not depend on the gestiones, and their calls activate the day tables while the
            // first file batch is being read.
            foreach (var ((cliente, day), hours) in jornadas)
            {
                if (GrainKeys.IsTenantId(cliente))
                {
                    var delta = DayDeltaCodec.Encode(new DayDelta(null, [.. hours.Select(h => (h.Key, h.Value))]));
                    await importer.EnqueueAsync(cliente, new EncodedDayBatch($"j-{jornadaHash}", day, delta), ct);
                }
            }

            // The reading runs on a thread of its own: pinned to one core, the process has a thread pool of one
            // thread, and a reading loop holding it would starve the sender until the file is read (the silo then
            // idles while the file is read and the importer idles while the silo catches up).
            var (rows, accepted, rejects, invalidTenants) = await Task.Factory.StartNew(
                () => ReadGestiones(gestionesPath, fileHash, onlyTenant, importer, clock, stderr, maxRowsPerSecond, ct),
                ct,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

            await importer.CompleteAsync();

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

    /// <summary>
    /// Reads the gestiones file, checks every row and hands each file batch's tenant-days to the sender. Synchronous
    /// on purpose: it runs on a dedicated thread, which may block while the sender's queue is full.
    /// </summary>
    private static ReadSummary ReadGestiones(string path, string fileHash, string? onlyTenant, Importer importer, Stopwatch clock, TextWriter stderr, long maxRowsPerSecond, CancellationToken ct)
    {
        var rejects = new RejectLog(0);
        var rows = 0L;
        var accepted = 0L;
        var batchIndex = 0;
        var batch = new FileBatch(onlyTenant);
        var total = new FileInfo(path).Length;
        var lastReport = 0L;
        using var reader = new CsvReader(File.OpenRead(path), "gestiones.csv");
        var schema = CsvSchema.ReadHeader(reader, GestionCsv.RequiredColumns);
        var columns = GestionCsv.Columns.Of(schema);
        var clienteColumn = schema["cliente"];
        var fechas = default(FechaCache);
        var rowsInBatch = 0;
        while (reader.Read())
        {
            schema.CheckFieldCount(reader);
            var tenant = batch.Tenant(reader.Field(clienteColumn));
            if (tenant.Selected)
            {
                rows++;
                if (!tenant.IsValid)
                {
                    tenant.Skipped++;
                }
                else if (GestionCsv.TryAccept(reader, columns, ref fechas, out var record, out var reason))
                {
                    batch.Day(tenant, record.DayNumber).Add(record);
                    accepted++;
                }
                else
                {
                    rejects.Count(reason);
                }
            }

            if (++rowsInBatch == RowsPerBatch)
            {
                batch.Send($"g-{fileHash}-{batchIndex++}", importer, ct);
                rowsInBatch = 0;
            }

            if ((rows & 0x3FFF) == 0)
            {
                if (maxRowsPerSecond > 0 && rows * 1000 / maxRowsPerSecond - clock.ElapsedMilliseconds is > 0 and var ahead)
                {
                    // This thread only reads; holding it back is the pace (the sender goes on with what was read).
                    ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(ahead));
                    ct.ThrowIfCancellationRequested();
                }

                if (clock.ElapsedMilliseconds - lastReport > 500)
                {
                    lastReport = clock.ElapsedMilliseconds;
                    stderr.WriteLine($"pulso import: {reader.Position * 100 / Math.Max(1, total)}% ({rows:N0} rows read, {rows / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} rows/s)");
                }
            }
        }

        batch.Send($"g-{fileHash}-{batchIndex}", importer, ct);
        return new ReadSummary(rows, accepted, rejects, batch.InvalidTenants());
    }

    /// <summary>What reading the gestiones file found: rows read (of the tenant asked for), accepted, rejected by reason, and rows of invalid tenant ids.</summary>
    private sealed record ReadSummary(long Rows, long Accepted, RejectLog Rejects, SortedDictionary<string, long> InvalidTenants);

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>A cliente of the file: its name, checked once, and its rows of the current file batch per day.</summary>
    private sealed class TenantRows(byte[] utf8, string name, bool selected)
    {
        public byte[] Utf8 { get; } = utf8;

        public string Name { get; } = name;

        /// <summary>Rows of this cliente are imported (no <c>--tenant</c>, or this one).</summary>
        public bool Selected { get; } = selected;

        public bool IsValid { get; } = GrainKeys.IsTenantId(name);

        /// <summary>Rows skipped because the name is not a valid tenant id.</summary>
        public long Skipped { get; set; }

        public Dictionary<int, GestionDayBuilder> Days { get; } = [];

        /// <summary>The builder of this cliente's last row: rows come in time order, so most rows go to the same day.</summary>
        public GestionDayBuilder? Last { get; set; }

        /// <summary>Rows of this cliente's largest day in the last file batch sent: the size of a new builder.</summary>
        public int DayRows { get; set; }
    }

    /// <summary>
    /// The rows of the file batch being read, per cliente and day, encoded as the day tables' journals store them.
    /// Per row it finds the cliente by its bytes (rows of a few tenants interleave, so the recent ones are compared
    /// first and no string is made) and the day through the cliente's last row; the day builders are reused from one
    /// file batch to the next, so once they have grown to a day's size reading allocates nothing per row.
    /// </summary>
    private sealed class FileBatch(string? onlyTenant)
    {
        private const int Recent = 8;
        private readonly Dictionary<string, TenantRows> _byName = new(StringComparer.Ordinal);
        private readonly List<TenantRows> _tenants = [];
        private readonly TenantRows?[] _recent = new TenantRows?[Recent];
        private readonly Stack<GestionDayBuilder> _free = new();
        private int _nextRecent;

        public TenantRows Tenant(ReadOnlySpan<byte> cliente)
        {
            foreach (var recent in _recent)
            {
                if (recent is not null && cliente.SequenceEqual(recent.Utf8))
                {
                    return recent;
                }
            }

            // Different bytes may decode to the same name (invalid UTF-8): the name decides, as it did per row.
            var name = Encoding.UTF8.GetString(cliente);
            if (!_byName.TryGetValue(name, out var tenant))
            {
                _byName[name] = tenant = new TenantRows(cliente.ToArray(), name, onlyTenant is null || name == onlyTenant);
                _tenants.Add(tenant);
            }

            _recent[_nextRecent] = tenant;
            _nextRecent = (_nextRecent + 1) % Recent;
            return tenant;
        }

        public GestionDayBuilder Day(TenantRows tenant, int dayNumber)
        {
            if (tenant.Last is { } last && last.DayNumber == dayNumber)
            {
                return last;
            }

            if (!tenant.Days.TryGetValue(dayNumber, out var day))
            {
                if (_free.TryPop(out day))
                {
                    day.Reset(dayNumber);
                }
                else
                {
                    // Sized like the cliente's previous days, so that it rarely has to grow.
                    day = new GestionDayBuilder(dayNumber, Math.Max(1024, Math.Max(tenant.DayRows, tenant.Last?.Count ?? 0)));
                }

                tenant.Days[dayNumber] = day;
            }

            tenant.Last = day;
            return day;
        }

        /// <summary>Hands the batch's day deltas to the sender, every day carrying the batch's identity, and empties the batch.</summary>
        public void Send(string batchId, Importer importer, CancellationToken ct)
        {
            foreach (var tenant in _tenants)
            {
                tenant.DayRows = 0;
                foreach (var (day, rows) in tenant.Days)
                {
                    tenant.DayRows = Math.Max(tenant.DayRows, rows.Count);
                    importer.Enqueue(tenant.Name, new EncodedDayBatch(batchId, DateOnly.FromDayNumber(day), rows.Encode()), ct);
                    _free.Push(rows);
                }

                tenant.Days.Clear();
                tenant.Last = null;
            }
        }

        public SortedDictionary<string, long> InvalidTenants() =>
            new(_tenants.Where(t => t.Skipped > 0).ToDictionary(t => t.Name, t => t.Skipped), StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends day batches from a queue with bounded concurrency, so that reading goes on while batches are in flight;
    /// each call is retried with the same identity until a deadline. The first failure stops the import.
    /// </summary>
    private sealed class Importer : IAsyncDisposable
    {
        private const int MaxInFlight = 16;
        private readonly IClusterClient _client;
        private readonly Dictionary<string, List<HomologationRule>> _homologation;
        private readonly TimeSpan _retryFor;
        private readonly TextWriter _stderr;
        private readonly Channel<(string Cliente, EncodedDayBatch Batch)> _queue =
            Channel.CreateBounded<(string, EncodedDayBatch)>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });

        private readonly SemaphoreSlim _inFlight = new(MaxInFlight);
        private readonly HashSet<string> _tenants = new(StringComparer.Ordinal);
        private readonly Task _sender;
        private long _batches;
        private long _duplicates;
        private Exception? _failure;

        public Importer(IClusterClient client, Dictionary<string, List<HomologationRule>> homologation, TimeSpan retryFor, TextWriter stderr)
        {
            _client = client;
            _homologation = homologation;
            _retryFor = retryFor;
            _stderr = stderr;
            _sender = Task.Run(SendAllAsync);
        }

        public long Batches => Interlocked.Read(ref _batches);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public async Task EnqueueAsync(string cliente, EncodedDayBatch batch, CancellationToken ct)
        {
            try
            {
                await _queue.Writer.WriteAsync((cliente, batch), ct);
            }
            catch (ChannelClosedException)
            {
                // The sender stopped on a failure: report that failure, not the closed queue.
                await CompleteAsync();
                throw;
            }
        }

        /// <summary>
        /// <see cref="EnqueueAsync"/> for the reading thread, which is not a thread pool thread and may therefore wait
        /// while the queue is full.
        /// </summary>
        public void Enqueue(string cliente, EncodedDayBatch batch, CancellationToken ct)
        {
            if (!_queue.Writer.TryWrite((cliente, batch)))
            {
                EnqueueAsync(cliente, batch, ct).GetAwaiter().GetResult();
            }
        }

        /// <summary>Waits until every queued batch is acknowledged; throws the first failure.</summary>
        public async Task CompleteAsync()
        {
            _queue.Writer.TryComplete();
            await _sender;
            if (_failure is not null)
            {
                ExceptionDispatchInfo.Throw(_failure);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            try
            {
                await _sender;
            }
            catch (OperationCanceledException)
            {
            }

            _inFlight.Dispose();
        }

        private async Task SendAllAsync()
        {
            var pending = new List<Task>();
            try
            {
                await foreach (var (cliente, batch) in _queue.Reader.ReadAllAsync())
                {
                    if (_failure is not null)
                    {
                        break;
                    }

                    await EnsureTenantAsync(cliente);
                    await _inFlight.WaitAsync();
                    pending.Add(SendOneAsync(cliente, batch));
                    if (pending.Count >= 4 * MaxInFlight)
                    {
                        pending.RemoveAll(t => t.IsCompleted);
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }

            await Task.WhenAll(pending);
        }

        private async Task SendOneAsync(string cliente, EncodedDayBatch batch)
        {
            try
            {
                var result = await RetryAsync(() => _client.GetGrain<IMetricTableGrain>(GrainKeys.Day(cliente, batch.Day)).ApplyEncoded(batch), $"{cliente}/{batch.Day:yyyy-MM-dd}");
                Interlocked.Increment(ref _batches);
                if (result.Duplicate)
                {
                    Interlocked.Increment(ref _duplicates);
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                _inFlight.Release();
            }
        }

        private void Fail(Exception e)
        {
            if (Interlocked.CompareExchange(ref _failure, e, null) is null)
            {
                _queue.Writer.TryComplete(e);
            }
        }

        private async Task EnsureTenantAsync(string cliente)
        {
            if (!_tenants.Add(cliente))
            {
                return;
            }

            var tenant = _client.GetGrain<ITenantGrain>(GrainKeys.Tenant(cliente));
            if (await RetryAsync(() => tenant.Create(TenantSettings.Default(cliente)), cliente))
            {
                _stderr.WriteLine($"pulso import: created tenant '{cliente}'");
            }

            if (_homologation.TryGetValue(cliente, out var rules))
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
                catch (Exception e) when (e is not ArgumentException && deadline.Elapsed < _retryFor)
                {
                    _stderr.WriteLine($"pulso import: {what}: {e.GetType().Name}: {e.Message.Split('\n')[0]} (retrying)");
                    await Task.Delay(delay);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
                }
            }
        }
    }
}
