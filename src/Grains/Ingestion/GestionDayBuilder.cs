using Pulso.Grains.Collections;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// Accepted gestiones of one day, dictionary-encoded as they are added and written straight into the
/// journal's day-delta format (<see cref="DayDeltaCodec"/>) from the UTF-8 bytes as read: the payload a
/// metric-table grain stores as it is, with no string made for a value on the way.
/// </summary>
public sealed class GestionDayBuilder
{
    private readonly Utf8StringPool _ejecutivos = new();
    private readonly Utf8StringPool _canales = new();
    private readonly Utf8StringPool _tipificaciones = new();
    private readonly Utf8StringPool _documentos = new(1024);
    private byte[] _hora;
    private byte[] _tramo;
    private int[] _ejecutivo;
    private int[] _canal;
    private int[] _tipificacion;
    private int[] _documento;
    private long[] _cents;
    private int _count;

    public GestionDayBuilder(int dayNumber, int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        DayNumber = dayNumber;
        _hora = new byte[capacity];
        _tramo = new byte[capacity];
        _ejecutivo = new int[capacity];
        _canal = new int[capacity];
        _tipificacion = new int[capacity];
        _documento = new int[capacity];
        _cents = new long[capacity];
    }

    public int DayNumber { get; private set; }

    public int Count => _count;

    internal Utf8StringPool Ejecutivos => _ejecutivos;

    internal Utf8StringPool Canales => _canales;

    internal Utf8StringPool Tipificaciones => _tipificaciones;

    internal Utf8StringPool Documentos => _documentos;

    internal ReadOnlySpan<byte> Hora => _hora.AsSpan(0, _count);

    internal ReadOnlySpan<byte> Tramo => _tramo.AsSpan(0, _count);

    internal ReadOnlySpan<int> Ejecutivo => _ejecutivo.AsSpan(0, _count);

    internal ReadOnlySpan<int> Canal => _canal.AsSpan(0, _count);

    internal ReadOnlySpan<int> Tipificacion => _tipificacion.AsSpan(0, _count);

    internal ReadOnlySpan<int> Documento => _documento.AsSpan(0, _count);

    internal ReadOnlySpan<long> SaldoCents => _cents.AsSpan(0, _count);

    /// <summary>Adds an accepted record of this builder's day.</summary>
    public void Add(in GestionRecord record)
    {
        if (record.DayNumber != DayNumber)
        {
            throw new ArgumentException($"The record is for day {record.DayNumber}, this builder holds day {DayNumber}.", nameof(record));
        }

        var i = _count;
        if (i == _hora.Length)
        {
            Grow();
        }

        _hora[i] = (byte)record.Hora;
        _tramo[i] = (byte)record.Tramo;
        _ejecutivo[i] = _ejecutivos.GetOrAdd(record.Ejecutivo);
        _canal[i] = _canales.GetOrAdd(record.Canal);
        _tipificacion[i] = _tipificaciones.GetOrAdd(record.Tipificacion);
        _documento[i] = _documentos.GetOrAdd(record.Documento);
        _cents[i] = record.SaldoCents;
        _count = i + 1;
    }

    /// <summary>
    /// Empties the builder for another day, keeping its arrays and dictionaries: an importer that reuses builders
    /// from one file batch to the next allocates nothing per row once they have grown to a day's size.
    /// </summary>
    public void Reset(int dayNumber)
    {
        DayNumber = dayNumber;
        _count = 0;
        _ejecutivos.Clear();
        _canales.Clear();
        _tipificaciones.Clear();
        _documentos.Clear();
    }

    /// <summary>The rows as a day delta image (no jornadas), byte for byte what <see cref="DayDeltaCodec.Encode(DayDelta)"/> writes for them.</summary>
    public byte[] Encode() => DayDeltaCodec.Encode(this);

    private void Grow()
    {
        var n = _hora.Length * 2;
        Array.Resize(ref _hora, n);
        Array.Resize(ref _tramo, n);
        Array.Resize(ref _ejecutivo, n);
        Array.Resize(ref _canal, n);
        Array.Resize(ref _tipificacion, n);
        Array.Resize(ref _documento, n);
        Array.Resize(ref _cents, n);
    }
}
