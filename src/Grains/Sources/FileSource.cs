using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Csv;
using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Sources;

/// <summary>
/// CSV and Arrow IPC files (<c>.arrow</c> file format, <c>.arrows</c> stream format) in a folder, each taken once, in
/// name order: gestiones files (the gestiones columns) and jornadas files (a <c>horas_trabajadas</c> column); Arrow
/// columns may be strings or typed (integers, decimals, dates, timestamps), checked on their text as CSV fields are. A file is identified by its content hash, so a file copied in
/// again is not read twice. The watermark is the list of files done plus the current file's byte offset;
/// a page's id is the file's hash and the offset it starts at. Rows naming another cliente are skipped.
/// </summary>
public sealed class FileSource(string tenant, string folder) : IGestionSource
{
    private readonly Dictionary<(string Path, long Length, DateTime Modified), string> _hashes = [];

    public async Task<SourcePage?> ReadAsync(string? watermark, int pageSize, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"source folder '{folder}' does not exist");
        }

        var mark = Watermark.Parse(watermark);
        var pending = new List<(string Path, string Hash)>();
        foreach (var path in Files().Order(StringComparer.Ordinal))
        {
            var hash = await HashAsync(path, ct);
            if (!mark.Done.Contains(hash))
            {
                pending.Add((path, hash));
            }
        }

        // The file in progress first, whatever arrived meanwhile: the watermark holds one position at a time.
        var current = pending.FindIndex(p => p.Hash == mark.Current);
        if (current >= 0)
        {
            var (path, hash) = pending[current];
            return await ReadAnyAsync(path, hash, mark.Offset, mark.Line, pageSize, mark, ct);
        }

        return pending.Count > 0 ? await ReadAnyAsync(pending[0].Path, pending[0].Hash, 0, 0, pageSize, mark, ct) : null;
    }

    public double LagSeconds(string? watermark)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var mark = Watermark.Parse(watermark);
        var pending = Files()
            .Where(p => !_hashes.Any(h => h.Key.Path == p && mark.Done.Contains(h.Value)))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.UtcNow)
            .Min();
        return Math.Max(0, (DateTime.UtcNow - pending).TotalSeconds);
    }

    private IEnumerable<string> Files() =>
        Directory.GetFiles(folder).Where(p => Path.GetExtension(p) is ".csv" or ".arrow" or ".arrows");

    private async Task<SourcePage> ReadAnyAsync(string path, string hash, long offset, long line, int pageSize, Watermark mark, CancellationToken ct) =>
        Path.GetExtension(path) == ".csv" ? ReadPage(path, hash, offset, line, pageSize, mark) : await ReadArrowPageAsync(path, hash, offset, pageSize, mark, ct);

    /// <summary>
    /// A page of an Arrow IPC file: rows <paramref name="offset"/> onwards (the offset is a row index here), its columns
    /// by their DESIGN names through the same checks as any source row.
    /// </summary>
    private async Task<SourcePage> ReadArrowPageAsync(string path, string hash, long offset, int pageSize, Watermark mark, CancellationToken ct)
    {
        var name = Path.GetFileName(path);
        await using var stream = File.OpenRead(path);
        var magic = new byte[6];
        var isFileFormat = await stream.ReadAsync(magic, ct) == 6 && magic.AsSpan().SequenceEqual("ARROW1"u8);
        stream.Position = 0;
        using var reader = isFileFormat ? new Apache.Arrow.Ipc.ArrowFileReader(stream, leaveOpen: true) : new Apache.Arrow.Ipc.ArrowStreamReader(stream, leaveOpen: true);
        var schema = await reader.GetSchema(ct);
        var fieldNames = schema.FieldsList.Select(f => f.Name).ToList();
        var isJornadas = fieldNames.Contains("horas_trabajadas");
        var required = isJornadas ? JornadaCsv.RequiredColumns : GestionCsv.RequiredColumns;
        // cliente is required as in CSV files: a folder may be shared, and only the tenant's own rows are taken.
        var missing = required.Where(c => !fieldNames.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new CsvFormatException($"{name}: missing column{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing)}");
        }

        var fields = isJornadas ? FeedPlan.JornadaFields : FeedPlan.GestionFields.Where(f => f != "gestion_id" || fieldNames.Contains(f));
        var mapping = fields.Where(fieldNames.Contains).ToDictionary(f => f, f => f);
        var problems = new List<string>();
        var plan = FeedPlan.Create(name, new Abstractions.Sources.SourceFeed(Columns: mapping), isJornadas, requireWatermark: false, problems)
            ?? throw new CsvFormatException($"{name}: {string.Join("; ", problems)}");
        var builder = new PageBuilder(plan, tenant, name);
        var columns = plan.Columns.Select(c => fieldNames.IndexOf(c)).ToArray();
        var values = new string?[columns.Length];
        var row = 0L;
        var more = false;
        while (await reader.ReadNextRecordBatchAsync(ct) is { } batch)
        {
            using (batch)
            {
                if (row + batch.Length <= offset)
                {
                    row += batch.Length;
                    continue;
                }

                var texts = columns.Select(c => ArrowText.Of(batch.Column(c))).ToArray();
                for (var i = (int)Math.Max(0, offset - row); i < batch.Length; i++)
                {
                    if (builder.Rows >= pageSize)
                    {
                        more = true;
                        break;
                    }

                    for (var c = 0; c < texts.Length; c++)
                    {
                        values[c] = texts[c](i);
                    }

                    builder.Add(values);
                }

                row += batch.Length;
            }

            if (more)
            {
                break;
            }
        }

        var pageId = $"file:{hash}:{offset.ToString(CultureInfo.InvariantCulture)}";
        var next = more ? mark.At(hash, offset + builder.Rows, 0) : mark.Complete(hash);
        return builder.Build(pageId, next.ToString(), more: true);
    }

    private SourcePage ReadPage(string path, string hash, long offset, long line, int pageSize, Watermark mark)
    {
        var name = Path.GetFileName(path);
        using var stream = File.OpenRead(path);
        using var header = new CsvReader(stream, name, leaveOpen: true);
        if (!header.Read())
        {
            return Finished(hash, offset, mark, GestionBatchBuilderEmpty(), [], new RejectLog(0), 0, 0);
        }

        var columns = Enumerable.Range(0, header.FieldCount).Select(i => Encoding.UTF8.GetString(header.Field(i)).Trim()).ToList();
        var isJornadas = columns.Contains("horas_trabajadas");
        var start = Math.Max(offset, header.Position);
        var firstLine = offset > 0 && line > 0 ? line : header.NextLine;
        stream.Position = start;
        using var reader = new CsvReader(stream, name, leaveOpen: true, firstLine: firstLine);
        var schema = CsvSchema.FromHeader(columns, isJornadas ? JornadaCsv.RequiredColumns : GestionCsv.RequiredColumns, name);
        var builder = new GestionBatchBuilder();
        var jornadas = new List<Jornada>();
        var rejects = new RejectLog(1_000);
        var rows = 0L;
        var others = 0L;
        var badJornadas = 0L;
        var cliente = schema["cliente"];
        while (rows < pageSize && reader.Read())
        {
            schema.CheckFieldCount(reader);
            rows++;
            if (!reader.Field(cliente).SequenceEqual(Encoding.UTF8.GetBytes(tenant)))
            {
                others++;
                continue;
            }

            if (isJornadas)
            {
                if (JornadaCsv.TryParse(reader, schema, out var jornada, out _))
                {
                    jornadas.Add(jornada);
                }
                else
                {
                    badJornadas++;
                }
            }
            else if (GestionCsv.TryAccept(reader, GestionCsv.Columns.Of(schema), out var record, out var reason))
            {
                builder.Add(record);
            }
            else
            {
                rejects.Count(reason);
                rejects.Keep(new RejectedRow(name, reader.Line, reason, schema.FieldsOf(reader)));
            }
        }

        var end = start + reader.Position;
        var nextLine = reader.NextLine;
        var more = reader.Read();
        var pageId = $"file:{hash}:{start.ToString(CultureInfo.InvariantCulture)}";
        var page = !more
            ? Finished(hash, start, mark, builder, jornadas, rejects, rows, others)
            : new SourcePage(pageId, mark.At(hash, end, nextLine).ToString(), builder.Build(), jornadas, rejects, rows, others, More: true, LagSeconds: 0);
        return page with { JornadasRejected = badJornadas };
    }

    private static GestionBatchBuilder GestionBatchBuilderEmpty() => new();

    private static SourcePage Finished(string hash, long start, Watermark mark, GestionBatchBuilder builder, List<Jornada> jornadas, RejectLog rejects, long rows, long others) =>
        new($"file:{hash}:{start.ToString(CultureInfo.InvariantCulture)}", mark.Complete(hash).ToString(), builder.Build(), jornadas, rejects, rows, others, More: true, LagSeconds: 0);

    private async Task<string> HashAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        var key = (path, info.Length, info.LastWriteTimeUtc);
        if (!_hashes.TryGetValue(key, out var hash))
        {
            await using var stream = File.OpenRead(path);
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct))[..16];
            _hashes[key] = hash;
        }

        return hash;
    }

    /// <summary><c>done=h1,h2;at=h3:offset:line</c>.</summary>
    private sealed record Watermark(HashSet<string> Done, string? Current, long Offset, long Line)
    {
        public static Watermark Parse(string? text)
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            string? current = null;
            long offset = 0;
            long line = 0;
            foreach (var part in (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith("done=", StringComparison.Ordinal))
                {
                    done.UnionWith(part[5..].Split(',', StringSplitOptions.RemoveEmptyEntries));
                }
                else if (part.StartsWith("at=", StringComparison.Ordinal))
                {
                    var fields = part[3..].Split(':');
                    current = fields[0];
                    offset = long.Parse(fields[1], CultureInfo.InvariantCulture);
                    line = fields.Length > 2 ? long.Parse(fields[2], CultureInfo.InvariantCulture) : 0;
                }
            }

            return new Watermark(done, current, offset, line);
        }

        public Watermark At(string hash, long offset, long line) => this with { Current = hash, Offset = offset, Line = line };

        public Watermark Complete(string hash) => new([.. Done, hash], null, 0, 0);

        public override string ToString() =>
            $"done={string.Join(',', Done.Order(StringComparer.Ordinal))}"
            + (Current is null ? string.Empty : $";at={Current}:{Offset.ToString(CultureInfo.InvariantCulture)}:{Line.ToString(CultureInfo.InvariantCulture)}");
    }
}
