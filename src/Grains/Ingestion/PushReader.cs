using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pulso.Grains.Csv;

namespace Pulso.Grains.Ingestion;

/// <summary>The body formats of push ingest (DESIGN 5).</summary>
public enum PushFormat
{
    /// <summary>A JSON array of objects.</summary>
    Json,

    /// <summary>One JSON object per line (<c>application/x-ndjson</c>).</summary>
    Ndjson,

    /// <summary>RFC 4180 CSV with a header (<c>text/csv</c>).</summary>
    Csv,
}

/// <summary>Why a push was refused as a whole (nothing of it may be applied).</summary>
public enum PushErrorKind
{
    /// <summary>Not well-formed JSON, NDJSON or CSV, or not the expected shape.</summary>
    Malformed,

    /// <summary>A required field or column is absent.</summary>
    MissingField,

    /// <summary>A JSON value that is neither a string nor a number.</summary>
    WrongValueType,

    /// <summary>The body is not UTF-8.</summary>
    NotUtf8,

    /// <summary>Over the byte or row limit.</summary>
    TooLarge,

    /// <summary>A row names another cliente than the tenant pushed to.</summary>
    ForeignCliente,
}

/// <summary>The whole push is refused; the message names where and what.</summary>
public sealed class PushException : Exception
{
    public PushException(PushErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public PushException(string message)
        : base(message)
    {
    }

    public PushException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PushException()
    {
    }

    public PushErrorKind Kind { get; }
}

/// <summary>Bounds of one push: bytes read from the body and data rows.</summary>
public sealed record PushLimits(long MaxBodyBytes, long MaxRows);

/// <summary>A parsed gestiones push: the accepted rows, the rejects (counted, a bounded sample kept) and the body's SHA-256.</summary>
public sealed record GestionPush(GestionBatch Gestiones, RejectLog Rejects, long Rows, byte[] BodyHash);

/// <summary>A rejected jornada kept for an admin to inspect.</summary>
public sealed record RejectedJornada(string Source, long Line, JornadaRejectReason Reason, IReadOnlyDictionary<string, string> Fields);

/// <summary>A parsed jornadas push: valid jornadas in body order, rejects by reason, a bounded sample of them, the body's SHA-256.</summary>
public sealed record JornadaPush(
    IReadOnlyList<Jornada> Jornadas,
    IReadOnlyDictionary<JornadaRejectReason, long> Rejected,
    IReadOnlyList<RejectedJornada> RejectedRows,
    long Rows,
    byte[] BodyHash);

/// <summary>
/// Reads a push body (JSON array, NDJSON or CSV) completely, streaming, and validates every row with the rules
/// of <see cref="GestionRules"/> before anything may be applied: a request-level problem throws
/// <see cref="PushException"/>; row-level problems are counted and kept as rejects. JSON is read with
/// <see cref="Utf8JsonReader"/> over a growing buffer, one whole object at a time; values may be strings or
/// numbers, a number standing for its literal text (so <c>12.345</c> is validated as written). CSV goes
/// through <see cref="CsvReader"/>, which reads its stream synchronously.
/// </summary>
public static class PushReader
{
    /// <summary>How many rejected rows a push keeps (the tenant's quarantine holds as many).</summary>
    public const int KeptRejects = 10_000;

    private const string SourceName = "push";

    public static readonly IReadOnlyList<string> JornadaNames =
        [Name(JornadaRejectReason.FechaInvalida), Name(JornadaRejectReason.HorasInvalidas), Name(JornadaRejectReason.EjecutivoVacio)];

    /// <summary>Wire name of a jornada reject reason.</summary>
    public static string Name(JornadaRejectReason reason) => reason switch
    {
        JornadaRejectReason.FechaInvalida => "fecha_invalida",
        JornadaRejectReason.HorasInvalidas => "horas_invalidas",
        JornadaRejectReason.EjecutivoVacio => "ejecutivo_vacio",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>Reads gestiones (DESIGN 2.1) pushed to <paramref name="tenant"/>.</summary>
    public static async Task<GestionPush> ReadGestionesAsync(Stream body, PushFormat format, string tenant, PushLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var sink = new GestionSink(tenant, limits.MaxRows);
        var hash = await ReadAsync(body, format, sink, limits, ct);
        return new GestionPush(sink.Builder.Build(), sink.Rejects, sink.Rows, hash);
    }

    /// <summary>Reads jornadas (DESIGN 2.2) pushed to <paramref name="tenant"/>.</summary>
    public static async Task<JornadaPush> ReadJornadasAsync(Stream body, PushFormat format, string tenant, PushLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var sink = new JornadaSink(tenant, limits.MaxRows);
        var hash = await ReadAsync(body, format, sink, limits, ct);
        var rejected = Enum.GetValues<JornadaRejectReason>().ToDictionary(r => r, r => sink.Counts[(int)r]);
        return new JornadaPush(sink.Jornadas, rejected, sink.Kept, sink.Rows, hash);
    }

    private static async Task<byte[]> ReadAsync(Stream body, PushFormat format, RowSink sink, PushLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var bounded = new PushBody(body, limits.MaxBodyBytes, checkUtf8: format != PushFormat.Csv);
        if (format == PushFormat.Csv)
        {
            // CsvReader pulls synchronously: keep that off the caller's thread.
            await Task.Run(() => ReadCsv(bounded, sink), ct);
        }
        else
        {
            await ReadJsonAsync(bounded, format == PushFormat.Ndjson, sink, ct);
        }

        return bounded.Hash();
    }

    private static void ReadCsv(PushBody body, RowSink sink)
    {
        try
        {
            using var reader = new CsvReader(body, "body", leaveOpen: true, bufferSize: 1 << 16);
            var schema = CsvSchema.ReadHeader(reader, sink.Fields);
            var columns = sink.Fields.Select(f => schema[f]).ToArray();
            while (reader.Read())
            {
                schema.CheckFieldCount(reader);
                var values = default(RowValues);
                for (var i = 0; i < columns.Length; i++)
                {
                    values.Set(i, reader.Field(columns[i]));
                }

                sink.Row(values, new RowLocation(-1, reader.Line));
            }
        }
        catch (CsvFormatException e)
        {
            var kind = e.Message.Contains("missing column", StringComparison.Ordinal) ? PushErrorKind.MissingField
                : e.Message.Contains("UTF-8", StringComparison.Ordinal) ? PushErrorKind.NotUtf8
                : PushErrorKind.Malformed;
            throw new PushException(kind, e.Message);
        }
    }

    private static async Task ReadJsonAsync(PushBody body, bool ndjson, RowSink sink, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        var length = 0;
        var final = false;
        var rows = new JsonRows(sink, ndjson);
        while (true)
        {
            if (!final)
            {
                if (length == buffer.Length)
                {
                    // One object is larger than the buffer: the body limit bounds how far this goes.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), ct);
                final = read == 0;
                length += read;
            }

            var consumed = rows.Parse(buffer.AsSpan(0, length), final);
            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
            if (final)
            {
                rows.Finish();
                return;
            }
        }
    }

    /// <summary>Where a row is, for messages: an array element's index and line, or a line.</summary>
    private readonly record struct RowLocation(long Index, long Line)
    {
        public override string ToString() =>
            Index >= 0 ? $"element [{Index}] (line {Line})" : $"line {Line}";
    }

    /// <summary>Up to eight field values of one row, in the sink's field order.</summary>
    private ref struct RowValues
    {
        private ReadOnlySpan<byte> _v0;
        private ReadOnlySpan<byte> _v1;
        private ReadOnlySpan<byte> _v2;
        private ReadOnlySpan<byte> _v3;
        private ReadOnlySpan<byte> _v4;
        private ReadOnlySpan<byte> _v5;
        private ReadOnlySpan<byte> _v6;
        private ReadOnlySpan<byte> _v7;

        public readonly ReadOnlySpan<byte> this[int i] => i switch
        {
            0 => _v0,
            1 => _v1,
            2 => _v2,
            3 => _v3,
            4 => _v4,
            5 => _v5,
            6 => _v6,
            7 => _v7,
            _ => throw new ArgumentOutOfRangeException(nameof(i)),
        };

        public void Set(int i, ReadOnlySpan<byte> value)
        {
            switch (i)
            {
                case 0: _v0 = value; break;
                case 1: _v1 = value; break;
                case 2: _v2 = value; break;
                case 3: _v3 = value; break;
                case 4: _v4 = value; break;
                case 5: _v5 = value; break;
                case 6: _v6 = value; break;
                case 7: _v7 = value; break;
                default: throw new ArgumentOutOfRangeException(nameof(i));
            }
        }
    }

    /// <summary>Takes rows in field order (cliente first): checks the tenant and the row limit, then validates.</summary>
    private abstract class RowSink(string tenant, long maxRows)
    {
        private readonly byte[] _tenant = Encoding.UTF8.GetBytes(tenant);

        public abstract IReadOnlyList<string> Fields { get; }

        public long Rows { get; private set; }

        public void Row(scoped in RowValues values, RowLocation at)
        {
            if (!values[0].SequenceEqual(_tenant))
            {
                throw new PushException(PushErrorKind.ForeignCliente,
                    $"{at}: cliente '{Encoding.UTF8.GetString(values[0])}' is not the tenant of this route ('{Encoding.UTF8.GetString(_tenant)}')");
            }

            if (++Rows > maxRows)
            {
                throw new PushException(PushErrorKind.TooLarge, $"{at}: more than {maxRows} rows in one push");
            }

            Accept(values, at);
        }

        protected abstract void Accept(scoped in RowValues values, RowLocation at);

        protected Dictionary<string, string> Strings(scoped in RowValues values)
        {
            var fields = new Dictionary<string, string>(Fields.Count, StringComparer.Ordinal);
            for (var i = 0; i < Fields.Count; i++)
            {
                fields[Fields[i]] = Encoding.UTF8.GetString(values[i]);
            }

            return fields;
        }
    }

    private sealed class GestionSink(string tenant, long maxRows) : RowSink(tenant, maxRows)
    {
        private FechaCache _fechas;

        // GestionCsv's column order: cliente, fecha, documento, ejecutivo, tipificacion, saldo, dias_mora, canal.
        public override IReadOnlyList<string> Fields => GestionCsv.RequiredColumns;

        public GestionBatchBuilder Builder { get; } = new();

        public RejectLog Rejects { get; } = new(KeptRejects);

        protected override void Accept(scoped in RowValues values, RowLocation at)
        {
            var fields = new GestionFields
            {
                Cliente = values[0],
                Fecha = values[1],
                Documento = values[2],
                Ejecutivo = values[3],
                Tipificacion = values[4],
                Saldo = values[5],
                DiasMora = values[6],
                Canal = values[7],
            };
            if (fields.TryAccept(ref _fechas, out var record, out var reason))
            {
                Builder.Add(record);
                return;
            }

            Rejects.Count(reason);
            if (Rejects.WantsRows)
            {
                Rejects.Keep(new RejectedRow(SourceName, at.Line, reason, Strings(values)));
            }
        }
    }

    private sealed class JornadaSink(string tenant, long maxRows) : RowSink(tenant, maxRows)
    {
        // JornadaCsv's column order: cliente, ejecutivo, fecha, horas_trabajadas.
        public override IReadOnlyList<string> Fields => JornadaCsv.RequiredColumns;

        public List<Jornada> Jornadas { get; } = [];

        public long[] Counts { get; } = new long[Enum.GetValues<JornadaRejectReason>().Length];

        public List<RejectedJornada> Kept { get; } = [];

        protected override void Accept(scoped in RowValues values, RowLocation at)
        {
            var fields = new JornadaFields { Cliente = values[0], Ejecutivo = values[1], Fecha = values[2], HorasTrabajadas = values[3] };
            if (fields.TryParse(out var jornada, out var reason))
            {
                Jornadas.Add(jornada);
                return;
            }

            Counts[(int)reason]++;
            if (Kept.Count < KeptRejects)
            {
                Kept.Add(new RejectedJornada(SourceName, at.Line, reason, Strings(values)));
            }
        }
    }

    /// <summary>
    /// The JSON side: an array of objects, or objects one per line. Each call parses the whole objects in the
    /// data given and returns how many bytes it consumed; the caller keeps the rest and adds to it.
    /// </summary>
    private sealed class JsonRows
    {
        private readonly RowSink _sink;
        private readonly bool _ndjson;
        private readonly byte[][] _names;
        private readonly (int Start, int Length)[] _slots;
        private readonly bool[] _present;
        private byte[] _arena = new byte[1024];
        private JsonReaderState _state;
        private bool _bomChecked;
        private bool _inArray;
        private bool _arrayClosed;
        private long _index;
        private long _linesBefore;

        public JsonRows(RowSink sink, bool ndjson)
        {
            _sink = sink;
            _ndjson = ndjson;
            _names = [.. sink.Fields.Select(Encoding.UTF8.GetBytes)];
            _slots = new (int, int)[_names.Length];
            _present = new bool[_names.Length];
            _state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = ndjson });
        }

        public int Parse(ReadOnlySpan<byte> data, bool final)
        {
            var offset = 0;
            if (!_bomChecked)
            {
                if (data.Length < 3 && !final)
                {
                    return 0;
                }

                _bomChecked = true;
                if (data.StartsWith("\uFEFF"u8))
                {
                    offset = 3;
                }
            }

            var consumed = 0;
            var counted = 0;
            try
            {
                var reader = new Utf8JsonReader(data[offset..], final, _state);
                while (true)
                {
                    if (!reader.Read())
                    {
                        break;
                    }

                    if (!_ndjson && !_inArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new PushException(PushErrorKind.Malformed, "the body must be a JSON array of objects (or send application/x-ndjson or text/csv)");
                        }

                        _inArray = true;
                    }
                    else if (!_ndjson && reader.TokenType == JsonTokenType.EndArray)
                    {
                        _arrayClosed = true;
                    }
                    else
                    {
                        var start = (int)reader.TokenStartIndex;
                        var (linesThen, countedThen) = (_linesBefore, counted);
                        _linesBefore += data.Slice(offset + counted, start - counted).Count((byte)'\n');
                        counted = start;
                        var at = new RowLocation(_ndjson ? -1 : _index, _linesBefore + 1);
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new PushException(PushErrorKind.Malformed, $"{at}: expected an object, found {Describe(reader.TokenType)}");
                        }

                        var row = reader;
                        if (!reader.TrySkip())
                        {
                            // Not all of it yet: undo, and take it whole with more data.
                            (_linesBefore, counted) = (linesThen, countedThen);
                            break;
                        }

                        ReadObject(ref row, at);
                        _index++;
                    }

                    _state = reader.CurrentState;
                    consumed = (int)reader.BytesConsumed;
                }
            }
            catch (JsonException e)
            {
                throw new PushException(PushErrorKind.Malformed, $"the body is not valid JSON: {e.Message}");
            }

            _linesBefore += data.Slice(offset + counted, consumed - counted).Count((byte)'\n');
            return offset + consumed;
        }

        public void Finish()
        {
            if (!_ndjson && !_arrayClosed)
            {
                throw new PushException(PushErrorKind.Malformed, "the body must be a JSON array of objects, and it ended before the array was closed");
            }
        }

        private void ReadObject(ref Utf8JsonReader reader, RowLocation at)
        {
            Array.Clear(_present);
            var used = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = -1;
                for (var i = 0; i < _names.Length; i++)
                {
                    if (reader.ValueTextEquals(_names[i]))
                    {
                        field = i;
                        break;
                    }
                }

                reader.Read();
                if (field < 0)
                {
                    // Fields outside DESIGN 2.1/2.2 are ignored whatever they hold; the object is whole, so this completes.
                    reader.TrySkip();
                    continue;
                }

                if (_present[field])
                {
                    throw new PushException(PushErrorKind.Malformed, $"{at}: field '{_sink.Fields[field]}' appears twice");
                }

                int length;
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        Ensure(used + reader.ValueSpan.Length);
                        try
                        {
                            length = reader.CopyString(_arena.AsSpan(used));
                        }
                        catch (InvalidOperationException e)
                        {
                            throw new PushException(PushErrorKind.NotUtf8, $"{at}: field '{_sink.Fields[field]}' is not valid text: {e.Message}");
                        }

                        break;
                    case JsonTokenType.Number:
                        // The literal as written: saldo 12.345 or 1e3 is then rejected like the same CSV text.
                        Ensure(used + reader.ValueSpan.Length);
                        reader.ValueSpan.CopyTo(_arena.AsSpan(used));
                        length = reader.ValueSpan.Length;
                        break;
                    default:
                        throw new PushException(PushErrorKind.WrongValueType,
                            $"{at}: field '{_sink.Fields[field]}' is {Describe(reader.TokenType)}; values must be strings or numbers");
                }

                _slots[field] = (used, length);
                _present[field] = true;
                used += length;
            }

            var values = default(RowValues);
            for (var i = 0; i < _names.Length; i++)
            {
                if (!_present[i])
                {
                    throw new PushException(PushErrorKind.MissingField, $"{at}: missing field '{_sink.Fields[i]}'");
                }

                values.Set(i, _arena.AsSpan(_slots[i].Start, _slots[i].Length));
            }

            _sink.Row(values, at);
        }

        private void Ensure(int size)
        {
            if (size > _arena.Length)
            {
                Array.Resize(ref _arena, Math.Max(size, _arena.Length * 2));
            }
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.Null => "null",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            _ => token.ToString(),
        };
    }

    /// <summary>
    /// The request body as read: counted against the byte limit, hashed (SHA-256, for Idempotency-Key), and for
    /// JSON checked to be UTF-8 as it goes (a multi-byte character may straddle two reads).
    /// </summary>
    private sealed class PushBody(Stream inner, long maxBytes, bool checkUtf8) : CheckedBodyStream(inner, maxBytes, checkUtf8)
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Hash() => _hash.GetHashAndReset();

        protected override void Observe(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        protected override Exception TooLarge(long limit) => new PushException(PushErrorKind.TooLarge, $"the body is over the limit of {limit} bytes");

        protected override Exception NotUtf8(long offset) => new PushException(PushErrorKind.NotUtf8, $"the body is not valid UTF-8 (near byte {offset})");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
