using System.Collections.Concurrent;
using Pulso.Grains.Collections;
using Pulso.Grains.Csv;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Ingestion;

/// <summary>What reading a gestiones file produced: a cube per cliente, the rejects, the row count.</summary>
public sealed class GestionAggregate
{
    internal GestionAggregate(IReadOnlyDictionary<string, TenantCube> cubes, RejectLog rejects, long rows)
    {
        Cubes = cubes;
        Rejects = rejects;
        Rows = rows;
    }

    /// <summary>Day tables per cliente (as read, case-sensitive).</summary>
    public IReadOnlyDictionary<string, TenantCube> Cubes { get; }

    public RejectLog Rejects { get; }

    /// <summary>Data rows read (accepted + rejected).</summary>
    public long Rows { get; }
}

/// <summary>
/// Reads a gestiones CSV into per-cliente day tables. Large files are split into byte ranges at
/// line breaks and read by one worker per core; each worker builds its own tables and the tables
/// are merged at the end. A range split inside a quoted field is detected (the previous range
/// does not end exactly where the next begins) and the file is then read again by one worker, as
/// is a file with a format error, so errors always carry exact line numbers.
/// </summary>
public static class GestionAggregator
{
    private const long MinBytesPerWorker = 8 << 20;

    public static GestionAggregate AggregateFile(string path, int parallelism = 0, IProgress<(long Bytes, long Total)>? progress = null, int quarantine = 10_000)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var name = Path.GetFileName(path);
        var length = RandomAccess.GetLength(handle);
        CsvSchema schema;
        long dataStart;
        long firstDataLine;
        using (var headerReader = new CsvReader(handle, 0, long.MaxValue, name, 1 << 16))
        {
            schema = CsvSchema.ReadHeader(headerReader, GestionCsv.RequiredColumns);
            dataStart = headerReader.Position;
            firstDataLine = headerReader.NextLine;
        }

        var workers = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        workers = (int)Math.Clamp((length - dataStart) / MinBytesPerWorker, 1, workers);
        var starts = SplitPoints(handle, dataStart, length, workers);
        using var reporter = progress is null ? null : new ProgressReporter(progress, length);
        if (starts.Count > 1)
        {
            var parallel = TryParallel(handle, name, schema, starts, firstDataLine, quarantine, reporter);
            if (parallel is not null)
            {
                return parallel;
            }
        }

        var single = new Worker(schema, quarantine, reporter, 0);
        using (var reader = new CsvReader(handle, dataStart, long.MaxValue, name, firstLine: firstDataLine))
        {
            single.Consume(reader);
        }

        return new GestionAggregate(single.Cubes(), single.Rejects, single.Rows);
    }

    private static GestionAggregate? TryParallel(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string name, CsvSchema schema, List<long> starts, long firstDataLine, int quarantine, ProgressReporter? reporter)
    {
        var n = starts.Count;
        var workers = new Worker[n];
        var ends = new long[n];
        var lines = new long[n];
        var failed = 0;
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = n }, k =>
        {
            var worker = workers[k] = new Worker(schema, quarantine, reporter, k);
            var end = k + 1 < n ? starts[k + 1] : long.MaxValue;
            try
            {
                // Ranges after the first do not know their first line: they count from 1 and are shifted below.
                using var reader = new CsvReader(handle, starts[k], end, name, firstLine: k == 0 ? firstDataLine : 1);
                worker.Consume(reader);
                ends[k] = reader.Position;
                lines[k] = reader.NextLine - (k == 0 ? firstDataLine : 1);
            }
            catch (CsvFormatException)
            {
                Interlocked.Exchange(ref failed, 1);
            }
        });

        for (var k = 0; k + 1 < n && failed == 0; k++)
        {
            if (ends[k] != starts[k + 1])
            {
                failed = 1; // a split fell inside a quoted field
            }
        }

        Trace($"parallel read: {n} ranges, failed={failed}, ends=[{string.Join(",", ends)}], starts=[{string.Join(",", starts)}]");
        if (failed != 0)
        {
            reporter?.Reset();
            return null;
        }

        Trace("parallel read done");
        var merged = workers[0];
        var rejects = new RejectLog(quarantine);
        var lineOffset = firstDataLine - 1; // added to the relative lines of ranges after the first
        var rows = 0L;
        for (var k = 0; k < n; k++)
        {
            rejects.Add(workers[k].Rejects, k == 0 ? 0 : lineOffset);
            lineOffset += lines[k];
            rows += workers[k].Rows;
            if (k > 0)
            {
                merged.MergeCubes(workers[k]);
            }
        }

        Trace("merged");
        return new GestionAggregate(merged.Cubes(), rejects, rows);
    }

    internal static void Trace(string message)
    {
        if (Environment.GetEnvironmentVariable("PULSO_TRACE") == "1")
        {
            Console.Error.WriteLine($"[trace {DateTime.UtcNow:HH:mm:ss.fff}] {message}");
        }
    }

    private static List<long> SplitPoints(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long dataStart, long length, int workers)
    {
        var starts = new List<long> { dataStart };
        var buffer = new byte[1 << 16];
        for (var k = 1; k < workers; k++)
        {
            var target = dataStart + ((length - dataStart) * k / workers);
            var pos = target;
            while (pos < length)
            {
                var read = RandomAccess.Read(handle, buffer, pos);
                if (read == 0)
                {
                    break;
                }

                var nl = buffer.AsSpan(0, read).IndexOf((byte)'\n');
                if (nl >= 0)
                {
                    var split = pos + nl + 1;
                    if (split < length && split > starts[^1])
                    {
                        starts.Add(split);
                    }

                    break;
                }

                pos += read;
            }
        }

        return starts;
    }

    private sealed class Worker
    {
        private readonly CsvSchema _schema;
        private readonly GestionCsv.Columns _columns;
        private readonly ProgressReporter? _progress;
        private readonly int _slot;
        private readonly Utf8StringPool _clientes = new(16);
        private readonly List<TenantCube> _cubes = [];

        public Worker(CsvSchema schema, int quarantine, ProgressReporter? progress, int slot)
        {
            _schema = schema;
            _columns = GestionCsv.Columns.Of(schema);
            _progress = progress;
            _slot = slot;
            Rejects = new RejectLog(quarantine);
        }

        public RejectLog Rejects { get; }

        public long Rows { get; private set; }

        public void Consume(CsvReader reader)
        {
            var columns = _columns;
            var fieldCount = _schema.FieldCount;
            var start = reader.Position;
            var rows = 0L;
            TenantCube? lastCube = null;
            var lastCliente = -1;
            var fechas = default(FechaCache);
            while (reader.Read())
            {
                if (reader.FieldCount != fieldCount)
                {
                    _schema.CheckFieldCount(reader);
                }

                rows++;
                if ((rows & 0xFFFF) == 0)
                {
                    _progress?.Report(_slot, reader.Position - start);
                }

                if (!GestionCsv.TryAccept(reader, columns, ref fechas, out var record, out var reason))
                {
                    Rejects.Count(reason);
                    if (Rejects.WantsRows)
                    {
                        Rejects.Keep(new RejectedRow(reader.SourceName, reader.Line, reason, _schema.FieldsOf(reader)));
                    }

                    continue;
                }

                var cliente = _clientes.GetOrAdd(record.Cliente);
                if (cliente != lastCliente)
                {
                    if (cliente == _cubes.Count)
                    {
                        _cubes.Add(new TenantCube(_clientes.GetString(cliente)));
                    }

                    lastCliente = cliente;
                    lastCube = _cubes[cliente];
                }

                lastCube!.GetOrCreate(record.DayNumber)
                    .Add(record.Ejecutivo, record.Hora, record.Canal, record.Tipificacion, record.Tramo, record.SaldoCents, record.Documento);
            }

            _progress?.Report(_slot, reader.Position - start);
            Rows += rows;
        }

        public void MergeCubes(Worker other)
        {
            foreach (var cube in other._cubes)
            {
                var id = _clientes.GetOrAdd(System.Text.Encoding.UTF8.GetBytes(cube.Tenant));
                if (id == _cubes.Count)
                {
                    _cubes.Add(cube);
                }
                else
                {
                    _cubes[id].Merge(cube);
                }
            }
        }

        public Dictionary<string, TenantCube> Cubes() => _cubes.ToDictionary(c => c.Tenant, StringComparer.Ordinal);
    }

    /// <summary>Sums the bytes done by each worker and reports at most every 250 ms.</summary>
    private sealed class ProgressReporter : IDisposable
    {
        private readonly IProgress<(long Bytes, long Total)> _progress;
        private readonly long _total;
        private readonly ConcurrentDictionary<int, long> _done = new();
        private readonly Timer _timer;

        public ProgressReporter(IProgress<(long, long)> progress, long total)
        {
            _progress = progress;
            _total = total;
            _timer = new Timer(_ => _progress.Report((_done.Values.Sum(), _total)), null, 250, 250);
        }

        public void Report(int slot, long bytes) => _done[slot] = bytes;

        public void Reset() => _done.Clear();

        public void Dispose() => _timer.Dispose();
    }
}
