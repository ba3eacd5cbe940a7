using System.Text;
using BenchmarkDotNet.Attributes;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Bench;

/// <summary>
/// The engine core: accepted rows into one day's metric table, against a straightforward
/// implementation keyed by a tuple of strings. Both get the same rows (already parsed and
/// validated, as the CSV reader hands them over) and keep the same information: per cell the
/// count and saldo, and the distinct (cell, documento) pairs.
/// </summary>
[MemoryDiagnoser]
public class MetricTableBenchmark
{
    private const int Rows = 100_000;
    private byte[][] _ejecutivo = [];
    private byte[][] _canal = [];
    private byte[][] _tipificacion = [];
    private byte[][] _documento = [];
    private string[] _ejecutivoText = [];
    private string[] _canalText = [];
    private string[] _tipificacionText = [];
    private string[] _documentoText = [];
    private int[] _hora = [];
    private int[] _tramo = [];
    private long[] _cents = [];
    private GestionBatch _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        // A realistic day of one tenant: ~60 agents, 5 channels, a dozen outcomes, a pool of debtors
        // with re-contacts, so that cells and pairs are shared the way the generator shares them.
        var random = new Random(42);
        string[] canales = ["LLAMADA", "SMS", "WHATSAPP", "VISITA", "EMAIL"];
        string[] tipificaciones =
        [
            "CONTACTO TITULAR", "CONTACTO TERCERO", "PROMESA DE PAGO", "YA PAGO", "RECHAZA PAGO", "NO CONTESTA",
            "BUZON DE VOZ", "NUMERO EQUIVOCADO", "VOLVER A LLAMAR", "APAGADO, FUERA DE SERVICIO", "  promesa DE pago ", "SIN GESTION",
        ];
        _ejecutivo = new byte[Rows][];
        _canal = new byte[Rows][];
        _tipificacion = new byte[Rows][];
        _documento = new byte[Rows][];
        _ejecutivoText = new string[Rows];
        _canalText = new string[Rows];
        _tipificacionText = new string[Rows];
        _documentoText = new string[Rows];
        _hora = new int[Rows];
        _tramo = new int[Rows];
        _cents = new long[Rows];
        for (var i = 0; i < Rows; i++)
        {
            _ejecutivoText[i] = $"EJ{random.Next(1, 61):0000}";
            _canalText[i] = canales[random.Next(canales.Length)];
            _tipificacionText[i] = tipificaciones[random.Next(tipificaciones.Length)];
            _documentoText[i] = random.Next(10) < 3 && i > 0 ? _documentoText[random.Next(i)] : random.NextInt64(10_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _ejecutivo[i] = Encoding.UTF8.GetBytes(_ejecutivoText[i]);
            _canal[i] = Encoding.UTF8.GetBytes(_canalText[i]);
            _tipificacion[i] = Encoding.UTF8.GetBytes(_tipificacionText[i]);
            _documento[i] = Encoding.UTF8.GetBytes(_documentoText[i]);
            _hora[i] = random.Next(8, 20);
            _tramo[i] = random.Next(6);
            _cents[i] = random.NextInt64(0, 5_000_000_000);
        }

        var builder = new GestionBatchBuilder();
        var day = new DateOnly(2026, 1, 1).DayNumber;
        for (var i = 0; i < Rows; i++)
        {
            builder.Add(day, _hora[i], _ejecutivoText[i], _canalText[i], _tipificacionText[i], _tramo[i], _cents[i], _documentoText[i]);
        }

        _batch = builder.Build();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public int NaiveTupleOfStrings()
    {
        var cells = new Dictionary<(string Ejecutivo, string Canal, string Tipificacion, int Hora, int Tramo), (long Count, long Cents)>(Rows);
        var pairs = new HashSet<((string, string, string, int, int) Cell, string Documento)>(Rows);
        for (var i = 0; i < Rows; i++)
        {
            var key = (_ejecutivoText[i], _canalText[i], _tipificacionText[i].Trim().ToUpperInvariant(), _hora[i], _tramo[i]);
            cells.TryGetValue(key, out var agg);
            cells[key] = (agg.Count + 1, agg.Cents + _cents[i]);
            pairs.Add((key, _documentoText[i]));
        }

        return cells.Count + pairs.Count;
    }

    /// <summary>The engine core: dictionary-encoded rows (as batches cross grain boundaries) into a new day table.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int PulsoEncodedBatch()
    {
        var table = new MetricTable(new DateOnly(2026, 1, 1));
        table.Apply(_batch);
        return table.CellCount + table.PairCount;
    }

    /// <summary>The file path: UTF-8 field bytes as the CSV reader hands them over, encoded row by row.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int PulsoFromBytes()
    {
        var table = new MetricTable(new DateOnly(2026, 1, 1));
        for (var i = 0; i < Rows; i++)
        {
            table.Add(_ejecutivo[i], _hora[i], _canal[i], _tipificacion[i], _tramo[i], _cents[i], _documento[i]);
        }

        return table.CellCount + table.PairCount;
    }
}
