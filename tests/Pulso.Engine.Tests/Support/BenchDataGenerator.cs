using System.Globalization;
using System.Text;
using Pulso.Grains.Ingestion;

namespace Pulso.Engine.Tests.Support;

/// <summary>
/// A deterministic (seeded) generator of gestiones.csv, jornadas.csv and homologacion.csv in the
/// shared/bench layout, with the dirty rows the bench README lists: bad fechas, blank documentos,
/// bad saldos, empty or non-integer dias_mora, rows with two problems, unknown, padded and
/// case-changed tipificaciones, negative saldos and dias_mora, values with commas and quotes.
/// It also knows, for every row it made dirty, the line and the reason the spec rejects it for.
/// </summary>
internal sealed class BenchDataGenerator
{
    public static readonly IReadOnlyList<string> Clientes = ["banco-andino", "financiera-sol", "cooperativa-norte"];

    public static readonly IReadOnlyList<string> Canales = ["LLAMADA", "LLAMADA", "LLAMADA", "SMS", "WHATSAPP", "VISITA", "EMAIL"];

    public static readonly IReadOnlyList<string> Days = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2024-02-29"];

    private static readonly Dictionary<string, (string Tipificacion, string Categoria, bool Contacto, bool Compromiso)[]> s_vocabularies = new()
    {
        ["banco-andino"] =
        [
            ("CONTACTO TITULAR", "CONTACTO_DIRECTO", true, false),
            ("PROMESA DE PAGO", "PROMESA_PAGO", true, true),
            ("NO CONTESTA", "NO_CONTACTO", false, false),
            ("APAGADO, FUERA DE SERVICIO", "NO_CONTACTO", false, false),
            ("BUZON DE VOZ", "NO_CONTACTO", false, false),
            ("YA PAGO", "YA_PAGO", true, false),
            ("NUMERO EQUIVOCADO", "NUMERO_ERRADO", false, false),
            ("VOLVER A LLAMAR", "VOLVER_LLAMAR", true, false),
        ],
        ["financiera-sol"] =
        [
            ("Contacto con titular", "CONTACTO_DIRECTO", true, false),
            ("Compromiso de pago", "PROMESA_PAGO", true, true),
            ("Buzón de voz", "NO_CONTACTO", false, false),
            ("Contacto con tercero", "CONTACTO_INDIRECTO", true, false),
            ("Ya pagó", "YA_PAGO", true, false),
            ("Se niega a pagar", "RECHAZO", true, false),
            ("Número equivocado", "NUMERO_ERRADO", false, false),
        ],
        ["cooperativa-norte"] =
        [
            ("PDP", "PROMESA_PAGO", true, true),
            ("PROM_PAGO", "PROMESA_PAGO", true, true),
            ("10 - MENSAJE \"DEJADO\"", "CONTACTO_INDIRECTO", true, false),
            ("20 - TITULAR", "CONTACTO_DIRECTO", true, false),
            ("30 - NO CONTESTA", "NO_CONTACTO", false, false),
            ("40 - CORTA, NO ESCUCHA", "RECHAZO", true, false),
            ("50 - VOLVER A LLAMAR", "VOLVER_LLAMAR", true, false),
        ],
    };

    private static readonly string[] s_unknownTipificaciones = ["", "   ", "SIN GESTION", "LLAMADA \"CORTADA\", SIN AUDIO"];
    private static readonly string[] s_badFechas = ["", "2024-13-45 99:00:00", "2026-02-30 10:00:00", "2026-04-31 10:00:00", "05/01/2026 10:00:00", "2026-01-05T10:00:00", "2026-01-05 24:00:00", "1900-02-29 10:00:00", "2026-01-05 10:00"];
    private static readonly string[] s_badDocumentos = ["", "   "];
    private static readonly string[] s_badSaldos = ["N/A", "", "sin saldo", "1,234.56", "1e3", "12.", "123.456", " - 5"];
    private static readonly string[] s_badDiasMora = ["", "abc", "7.5", " "];

    private readonly Random _random;
    private readonly string[] _documentos;
    private readonly Dictionary<string, string[]> _ejecutivos = new(StringComparer.Ordinal);

    public BenchDataGenerator(int seed)
    {
        _random = new Random(seed);
        _documentos = new string[400];
        for (var i = 0; i < _documentos.Length; i++)
        {
            _documentos[i] = i % 40 == 7
                ? $"CE-{_random.Next(100000):000000}"
                : (_random.Next(33) == 0 ? "0" : string.Empty) + _random.NextInt64(10_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var cliente in Clientes)
        {
            var ids = Enumerable.Range(1, 7).Select(i => $"EJ{i:0000}").ToList();
            if (cliente == "banco-andino")
            {
                ids.Add("ej0001");
                ids.Add("ÑANDU 01");
            }

            if (cliente == "cooperativa-norte")
            {
                ids.Add("EQUIPO, SUR");
            }

            _ejecutivos[cliente] = [.. ids];
        }
    }

    /// <summary>Data rows written.</summary>
    public int Rows { get; private set; }

    /// <summary>The rows made invalid on purpose: their physical line and the reason the spec gives.</summary>
    public List<(long Line, RejectReason Reason)> ExpectedRejects { get; } = [];

    /// <summary>Byte ranges [start, end) of the rows written by WriteGestiones's big-row hook.</summary>
    public List<(long Start, long End)> BigRows { get; } = [];

    /// <summary>Share of rows made dirty.</summary>
    public double DirtyShare { get; init; } = 0.06;

    /// <summary>Share of rows ended with CRLF instead of LF.</summary>
    public double CrlfShare { get; init; }

    /// <summary>
    /// Writes gestiones.csv with <paramref name="rows"/> generated rows (or until <paramref name="minBytes"/>),
    /// inserting <see cref="BigRow"/> before the first row that would start after each of
    /// <paramref name="bigRowsAround"/> minus half a big row.
    /// </summary>
    public void WriteGestiones(string path, int rows, long minBytes = 0, IReadOnlyList<long>? bigRowsAround = null)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        WriteGestiones(file, rows, minBytes, bigRowsAround);
    }

    /// <inheritdoc cref="WriteGestiones(string, int, long, IReadOnlyList{long})"/>
    public void WriteGestiones(Stream file, int rows, long minBytes = 0, IReadOnlyList<long>? bigRowsAround = null)
    {
        var offset = 0L;
        var line = 1L;
        void Write(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            file.Write(bytes);
            offset += bytes.Length;
            line += text.Count(c => c == '\n');
        }

        Write(GestionesCsv.Header + "\n");
        var bigRow = BigRow();
        var bigBytes = Encoding.UTF8.GetByteCount(bigRow);
        var targets = new Queue<long>((bigRowsAround ?? []).Order());
        for (var i = 0; i < rows || offset < minBytes; i++)
        {
            while (targets.Count > 0 && offset + (bigBytes / 2) >= targets.Peek())
            {
                targets.Dequeue();
                var start = offset;
                Write(bigRow);
                BigRows.Add((start, offset));
                Rows++;
                ExpectedRejects.Add((line, RejectReason.SaldoInvalido));
                Write(RowAfterBigRow);
                Rows++;
            }

            var (fields, reason) = NextRow();
            Rows++;
            if (reason is { } r)
            {
                ExpectedRejects.Add((line, r));
            }

            var text = new StringBuilder();
            for (var f = 0; f < fields.Length; f++)
            {
                if (f > 0)
                {
                    text.Append(',');
                }

                text.Append(CsvText.Field(fields[f], forceQuotes: _random.Next(40) == 0));
            }

            text.Append(_random.NextDouble() < CrlfShare ? "\r\n" : "\n");
            Write(text.ToString());
        }

        BytesWritten = offset;
    }

    /// <summary>The length of the last gestiones file written.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The bytes <see cref="WriteGestiones(Stream, int, long, IReadOnlyList{long})"/> adds per big row (the row and the rejected row after it).</summary>
    public static long BigRowBytes => Encoding.UTF8.GetByteCount(BigRow()) + Encoding.UTF8.GetByteCount(RowAfterBigRow);

    private static string RowAfterBigRow => CsvText.Line("0", "banco-andino", "2026-01-05 09:00:00", "12345678", "EJ0001", "NO CONTESTA", "N/A", "1", "SMS") + "\n";

    /// <summary>An accepted banco-andino row whose tipificación spans thousands of lines, with commas and quotes.</summary>
    public static string BigRow() =>
        CsvText.Line("0", "banco-andino", "2026-01-05 08:59:00", "87654321", "EJ0001", BigTipificacion, "10.00", "5", "LLAMADA") + "\n";

    /// <summary>The tipificación of <see cref="BigRow"/>.</summary>
    public static string BigTipificacion { get; } = string.Join("\n", Enumerable.Range(0, 2500).Select(i => $"LINEA {i:0000}, \"CITADA\""));

    /// <summary>
    /// One jornada for most (cliente, ejecutivo, day) pairs, some of 0.00 hours, plus jornadas for a day and
    /// an ejecutivo without gestiones. Keys are unique, as in shared/bench.
    /// </summary>
    public void WriteJornadas(string path)
    {
        var text = new StringBuilder("cliente,ejecutivo,fecha,horas_trabajadas\n");
        string[] ties = ["6.40", "8.96", "3.20", "0.00", "8.00"];
        foreach (var cliente in Clientes)
        {
            foreach (var ejecutivo in _ejecutivos[cliente].Append("EJ0099"))
            {
                foreach (var day in Days.Append("2026-01-10"))
                {
                    if (_random.Next(100) < 15)
                    {
                        continue;
                    }

                    var horas = _random.Next(4) == 0
                        ? ties[_random.Next(ties.Length)]
                        : (_random.Next(50, 1001) / 100m).ToString("0.00", CultureInfo.InvariantCulture);
                    text.Append(CsvText.Line(cliente, ejecutivo, day, horas)).Append('\n');
                }
            }
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Every cliente's vocabulary; one key padded and lower-cased, flags in mixed case.</summary>
    public static void WriteHomologacion(string path)
    {
        var text = new StringBuilder("cliente,tipificacion,categoria,es_contacto,es_compromiso\n");
        var n = 0;
        foreach (var (cliente, vocabulary) in s_vocabularies)
        {
            foreach (var (tipificacion, categoria, contacto, compromiso) in vocabulary)
            {
                var key = tipificacion == "PROM_PAGO" ? "  prom_pago " : tipificacion;
                var contactoText = n % 5 == 1 ? (contacto ? " TRUE" : "False ") : (contacto ? "true" : "false");
                text.Append(CsvText.Line(cliente, key, categoria, contactoText, compromiso ? "true" : "false")).Append('\n');
                n++;
            }
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Writes the three files into <paramref name="folder"/>.</summary>
    public static BenchDataGenerator WriteAll(string folder, int seed, int rows)
    {
        var generator = new BenchDataGenerator(seed);
        generator.WriteGestiones(Path.Combine(folder, "gestiones.csv"), rows);
        generator.WriteJornadas(Path.Combine(folder, "jornadas.csv"));
        WriteHomologacion(Path.Combine(folder, "homologacion.csv"));
        return generator;
    }

    private (string[] Fields, RejectReason? Reason) NextRow()
    {
        var r = _random;
        var cliente = Clientes[r.Next(Clientes.Count)];
        var ejecutivos = _ejecutivos[cliente];
        var ejecutivo = ejecutivos[r.Next(ejecutivos.Length)];
        var hour = r.Next(20) == 0 ? (r.Next(2) == 0 ? 0 : 23) : r.Next(7, 22);
        var fecha = $"{Days[r.Next(Days.Count)]} {hour:00}:{r.Next(60):00}:{r.Next(60):00}";
        if (r.Next(30) == 0)
        {
            fecha = " " + fecha + " ";
        }

        var documento = _documentos[r.Next(_documentos.Length)];
        if (r.Next(20) == 0)
        {
            documento = " " + documento + "  ";
        }

        var cents = r.NextInt64(0, 5_000_000);
        var saldo = r.Next(8) switch
        {
            0 => (cents / 100).ToString(CultureInfo.InvariantCulture),
            1 => (cents / 10 / 10m).ToString("0.0", CultureInfo.InvariantCulture),
            2 => "-" + (cents % 1000 / 100m).ToString("0.00", CultureInfo.InvariantCulture),
            3 => " " + (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture) + " ",
            _ => (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture),
        };
        var diasMora = r.Next(12) switch
        {
            0 => "-" + r.Next(1, 10).ToString(CultureInfo.InvariantCulture),
            1 => " " + r.Next(0, 721).ToString(CultureInfo.InvariantCulture) + " ",
            2 => r.Next(0, 40).ToString("000", CultureInfo.InvariantCulture),
            _ => r.Next(0, 721).ToString(CultureInfo.InvariantCulture),
        };
        var vocabulary = s_vocabularies[cliente];
        var tipificacion = r.Next(25) switch
        {
            0 => s_unknownTipificaciones[r.Next(s_unknownTipificaciones.Length)],
            1 => OtherVocabulary(cliente),
            2 => "  " + vocabulary[r.Next(vocabulary.Length)].Tipificacion.ToLowerInvariant() + " ",
            _ => vocabulary[r.Next(vocabulary.Length)].Tipificacion,
        };
        var canal = Canales[r.Next(Canales.Count)];

        RejectReason? reason = null;
        if (r.NextDouble() < DirtyShare)
        {
            var problems = r.Next(8) switch
            {
                0 => new[] { 0 },
                1 => [1],
                2 => [2],
                3 => [3],
                4 => [0, 1],
                5 => [1, 2],
                6 => [2, 3],
                _ => [0, 3],
            };
            foreach (var p in problems)
            {
                switch (p)
                {
                    case 0:
                        fecha = s_badFechas[r.Next(s_badFechas.Length)];
                        break;
                    case 1:
                        documento = s_badDocumentos[r.Next(s_badDocumentos.Length)];
                        break;
                    case 2:
                        saldo = s_badSaldos[r.Next(s_badSaldos.Length)];
                        break;
                    default:
                        diasMora = s_badDiasMora[r.Next(s_badDiasMora.Length)];
                        break;
                }
            }

            reason = (RejectReason)problems.Min();
        }

        var id = (Rows + 1).ToString(CultureInfo.InvariantCulture);
        return ([id, cliente, fecha, documento, ejecutivo, tipificacion, saldo, diasMora, canal], reason);
    }

    private string OtherVocabulary(string cliente)
    {
        return cliente switch
        {
            "banco-andino" => "Buzón de voz",
            "financiera-sol" => "BUZON DE VOZ",
            _ => s_vocabularies["financiera-sol"][_random.Next(s_vocabularies["financiera-sol"].Length)].Tipificacion,
        };
    }
}
