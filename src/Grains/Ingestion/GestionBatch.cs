using System.Text;
using Pulso.Grains.Collections;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// Accepted gestiones in compact columnar form: one array per field, with the text fields
/// dictionary-encoded (each distinct value once, rows hold indexes). Plain arrays only, so a
/// batch can cross grain boundaries as it is; applying it to a day table maps each distinct
/// value once and then works on integers.
/// </summary>
public sealed class GestionBatch
{
    public required string[] Ejecutivos { get; init; }

    public required string[] Canales { get; init; }

    /// <summary>Tipificaciones as read (each table normalises a spelling once).</summary>
    public required string[] Tipificaciones { get; init; }

    /// <summary>Trimmed documentos.</summary>
    public required string[] Documentos { get; init; }

    public required int[] DayNumber { get; init; }

    public required byte[] Hora { get; init; }

    public required int[] Ejecutivo { get; init; }

    public required int[] Canal { get; init; }

    public required int[] Tipificacion { get; init; }

    public required byte[] Tramo { get; init; }

    public required long[] SaldoCents { get; init; }

    public required int[] Documento { get; init; }

    public int Count => DayNumber.Length;

    /// <summary>The distinct days of the batch, ascending.</summary>
    public int[] Days() => DayNumber.Distinct().Order().ToArray();

    /// <summary>The rows of one day as a batch of their own, its dictionaries cut down to the values those rows use.</summary>
    public GestionBatch ForDay(int dayNumber)
    {
        var rows = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            if (DayNumber[i] == dayNumber)
            {
                rows.Add(i);
            }
        }

        if (rows.Count == Count)
        {
            return this;
        }

        var (ejecutivos, ejecutivo) = Subset(Ejecutivos, Ejecutivo, rows);
        var (canales, canal) = Subset(Canales, Canal, rows);
        var (tipificaciones, tipificacion) = Subset(Tipificaciones, Tipificacion, rows);
        var (documentos, documento) = Subset(Documentos, Documento, rows);
        return new GestionBatch
        {
            Ejecutivos = ejecutivos,
            Canales = canales,
            Tipificaciones = tipificaciones,
            Documentos = documentos,
            DayNumber = rows.Select(i => DayNumber[i]).ToArray(),
            Hora = rows.Select(i => Hora[i]).ToArray(),
            Ejecutivo = ejecutivo,
            Canal = canal,
            Tipificacion = tipificacion,
            Tramo = rows.Select(i => Tramo[i]).ToArray(),
            SaldoCents = rows.Select(i => SaldoCents[i]).ToArray(),
            Documento = documento,
        };
    }

    private static (string[] Values, int[] Ids) Subset(string[] dictionary, int[] ids, List<int> rows)
    {
        var map = new int[dictionary.Length];
        Array.Fill(map, -1);
        var values = new List<string>();
        var result = new int[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            var id = ids[rows[r]];
            if (map[id] < 0)
            {
                map[id] = values.Count;
                values.Add(dictionary[id]);
            }

            result[r] = map[id];
        }

        return ([.. values], result);
    }
}

/// <summary>Builds a <see cref="GestionBatch"/> from accepted records, encoding text as it goes.</summary>
public sealed class GestionBatchBuilder
{
    private readonly Utf8StringPool _ejecutivos = new();
    private readonly Utf8StringPool _canales = new();
    private readonly Utf8StringPool _tipificaciones = new();
    private readonly Utf8StringPool _documentos = new();
    private readonly List<int> _day = [];
    private readonly List<byte> _hora = [];
    private readonly List<int> _ejecutivo = [];
    private readonly List<int> _canal = [];
    private readonly List<int> _tipificacion = [];
    private readonly List<byte> _tramo = [];
    private readonly List<long> _cents = [];
    private readonly List<int> _documento = [];

    public int Count => _day.Count;

    public void Add(in GestionRecord record)
    {
        _day.Add(record.DayNumber);
        _hora.Add((byte)record.Hora);
        _ejecutivo.Add(_ejecutivos.GetOrAdd(record.Ejecutivo));
        _canal.Add(_canales.GetOrAdd(record.Canal));
        _tipificacion.Add(_tipificaciones.GetOrAdd(record.Tipificacion));
        _tramo.Add((byte)record.Tramo);
        _cents.Add(record.SaldoCents);
        _documento.Add(_documentos.GetOrAdd(record.Documento));
    }

    /// <summary>Adds a row from text values (tests, push ingest of JSON).</summary>
    public void Add(int dayNumber, int hora, string ejecutivo, string canal, string tipificacion, int tramo, long saldoCents, string documento)
    {
        Add(new GestionRecord
        {
            DayNumber = dayNumber,
            Hora = hora,
            Ejecutivo = Encoding.UTF8.GetBytes(ejecutivo),
            Canal = Encoding.UTF8.GetBytes(canal),
            Tipificacion = Encoding.UTF8.GetBytes(tipificacion),
            Tramo = tramo,
            SaldoCents = saldoCents,
            Documento = Encoding.UTF8.GetBytes(documento),
        });
    }

    public GestionBatch Build() => new()
    {
        Ejecutivos = Strings(_ejecutivos),
        Canales = Strings(_canales),
        Tipificaciones = Strings(_tipificaciones),
        Documentos = Strings(_documentos),
        DayNumber = [.. _day],
        Hora = [.. _hora],
        Ejecutivo = [.. _ejecutivo],
        Canal = [.. _canal],
        Tipificacion = [.. _tipificacion],
        Tramo = [.. _tramo],
        SaldoCents = [.. _cents],
        Documento = [.. _documento],
    };

    private static string[] Strings(Utf8StringPool pool)
    {
        var values = new string[pool.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = pool.GetString(i);
        }

        return values;
    }
}
