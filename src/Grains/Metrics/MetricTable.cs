using System.Buffers;
using System.Runtime.CompilerServices;
using Pulso.Grains.Collections;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Text;

namespace Pulso.Grains.Metrics;

/// <summary>
/// One tenant's metric table for one day, held at raw-tipificación grain: a cell per
/// (ejecutivo, hora, canal, tipificación, tramo de mora) with its gestiones count and exact
/// saldo in cents, the set of (cell, documento) pairs for exact distinct debtors, and the
/// day's jornadas per ejecutivo. Homologation is not applied here, so a new mapping changes
/// every figure at query time without re-reading a row. Not thread-safe.
/// </summary>
public sealed partial class MetricTable
{
    // Cell key layout, low to high bits: tramo 3, hora 5, canal 8, tipificación 20, ejecutivo 24.
    internal const int HoraShift = 3;
    internal const int CanalShift = 8;
    internal const int TipShift = 16;
    internal const int EjecutivoShift = 36;
    internal const int MaxCanales = 1 << 8;
    internal const int MaxTipificaciones = 1 << 20;
    internal const int MaxEjecutivos = 1 << 24;

    private readonly Utf8StringPool _rawTipificaciones = new(16);
    private int[] _rawToTipificacion = new int[16];
    private readonly Utf8StringPool _combos;
    private readonly byte[] _comboBuffer = new byte[512];
    private long[] _comboBits;
    private readonly CellMap _cells;

    // An upper bound of every |cell saldo|: the sum of |saldo| of all rows, saturating. Kept below long.MaxValue,
    // it guarantees that no cell sum can overflow.
    private long _absSaldoBound;
    private readonly PairLog _pairs;
    private long[] _jornadaCents = new long[16]; // per ejecutivo id; -1 = no jornada

    public MetricTable(DateOnly day, int capacity = 64)
        : this(day, capacity, capacity, capacity, 256)
    {
    }

    private MetricTable(DateOnly day, int cells, int pairs, int documentos, int combos)
    {
        Day = day;
        _cells = new CellMap(Math.Max(cells, 16));
        _pairs = new PairLog(pairs);
        Documentos = new DocumentPool(documentos);
        _combos = new Utf8StringPool(combos);
        _comboBits = new long[Math.Max(combos, 16)];
        Array.Fill(_jornadaCents, -1);
    }

    /// <summary>
    /// An empty table for <paramref name="day"/> pre-sized like <paramref name="model"/> (a previous day of the
    /// same tenant), so that filling it does not grow and re-hash its structures again and again.
    /// </summary>
    public static MetricTable SizedLike(DateOnly day, MetricTable model)
    {
        ArgumentNullException.ThrowIfNull(model);
        static int Grown(int n) => n + (n / 8);
        return new MetricTable(day, Grown(model.CellCount), Grown(model.PairCount), Grown(model.Documentos.Count), Grown(model._combos.Count));
    }

    public DateOnly Day { get; }

    internal Utf8StringPool Ejecutivos { get; } = new(64);

    internal Utf8StringPool Canales { get; } = new(8);

    /// <summary>Normalised tipificaciones (<c>upper(trim())</c>).</summary>
    internal Utf8StringPool Tipificaciones { get; } = new(16);

    internal DocumentPool Documentos { get; }

    public int CellCount => _cells.Count;

    public int PairCount => _pairs.Count;

    /// <summary>Accepted gestiones in the table.</summary>
    public long GestionCount { get; private set; }

    /// <summary>The cells with their aggregates, in order of dense index.</summary>
    internal CellMap Cells => _cells;

    /// <summary>The key of cell <paramref name="cell"/> (dense index, as used by the pairs).</summary>
    internal long CellKey(int cell) => _cells.KeyOf(cell);

    /// <summary>The distinct (cell &lt;&lt; 32 | documento) pairs in ascending order.</summary>
    internal ReadOnlySpan<long> Pairs => _pairs.Members;

    /// <summary>Adds one accepted gestión; returns its cell. <paramref name="documento"/> is already trimmed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Add(ReadOnlySpan<byte> ejecutivo, int hora, ReadOnlySpan<byte> canal, ReadOnlySpan<byte> rawTipificacion, int tramo, long saldoCents, ReadOnlySpan<byte> documento)
    {
        var cell = _cells.GetOrAdd(ComboBits(ejecutivo, canal, rawTipificacion) | ((long)hora << HoraShift) | (long)tramo);
        _cells.CountOf(cell)++;
        ref var saldo = ref _cells.SaldoOf(cell);
        saldo = checked(saldo + saldoCents);
        _absSaldoBound = SaturatingAdd(_absSaldoBound, Math.Abs(saldoCents));
        _pairs.Add(((long)cell << 32) | (uint)Documentos.GetOrAdd(documento));
        GestionCount++;
        return cell;
    }

    /// <summary>
    /// Adds the dictionary-encoded rows of <paramref name="batch"/>, all of which must fall on this table's day:
    /// each distinct text value is mapped to this table's dictionaries once, then every row is integer work.
    /// Indexes of the cells that changed are added to <paramref name="changedCells"/>.
    /// </summary>
    public void Apply(GestionBatch batch, ICollection<int>? changedCells = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var day = Day.DayNumber;
        foreach (var d in batch.DayNumber)
        {
            if (d != day)
            {
                throw new ArgumentException($"the batch has rows of {DateOnly.FromDayNumber(d):yyyy-MM-dd}, not of {Day:yyyy-MM-dd}", nameof(batch));
            }
        }

        // A batch adds at most one cell, one pair and one documento per row: make room once
        // (the cells once the rows are counted by partition, below).
        _pairs.EnsureCapacity(_pairs.LoggedCount + batch.Count);
        Documentos.EnsureCapacity(Documentos.Count + batch.Documentos.Length);
        var ejMap = MapStrings(batch.Ejecutivos, Ejecutivos, MaxEjecutivos);
        var caMap = MapStrings(batch.Canales, Canales, MaxCanales);
        var utf8 = new byte[256];
        var tipMap = new int[batch.Tipificaciones.Length];
        for (var i = 0; i < tipMap.Length; i++)
        {
            tipMap[i] = TipificacionOf(Utf8(batch.Tipificaciones[i], ref utf8));
        }

        // Scratch of the batch only: borrowed, never kept by the table.
        var docMap = ArrayPool<int>.Shared.Rent(batch.Documentos.Length);
        Documentos.GetOrAddMany(batch.Documentos, docMap);

        var ejecutivo = batch.Ejecutivo;
        var hora = batch.Hora;
        var canal = batch.Canal;
        var tipificacion = batch.Tipificacion;
        var tramo = batch.Tramo;
        var cents = batch.SaldoCents;
        var documento = batch.Documento;
        var changed = changedCells is null ? null : new HashSet<int>();

        // Keys first, then the rows copied out in cell-map partition order: each partition's sub-table stays in
        // cache, and the rows are then read in sequence.
        var rows = ejecutivo.Length;
        var keys = ArrayPool<long>.Shared.Rent(rows);
        var sorted = ArrayPool<PartitionedRow>.Shared.Rent(rows);
        Span<int> starts = stackalloc int[CellMap.Partitions + 1];
        for (var i = 0; i < rows; i++)
        {
            var key = PackKey(ejMap[ejecutivo[i]], hora[i], caMap[canal[i]], tipMap[tipificacion[i]], tramo[i]);
            keys[i] = key;
            starts[CellMap.PartitionOf(key) + 1]++;
        }

        _cells.EnsureCapacity(starts[1..]);
        for (var p = 1; p <= CellMap.Partitions; p++)
        {
            starts[p] += starts[p - 1];
        }

        var bound = _absSaldoBound;
        for (var i = 0; i < rows; i++)
        {
            var key = keys[i];
            var saldoCents = cents[i];
            bound = SaturatingAdd(bound, Math.Abs(saldoCents));
            sorted[starts[CellMap.PartitionOf(key)]++] = new PartitionedRow(key, saldoCents, docMap[documento[i]]);
        }

        var pairs = _pairs.Append(rows);
        for (var r = 0; r < pairs.Length; r++)
        {
            ref readonly var row = ref sorted[r];
            var cell = _cells.GetOrAdd(row.Key);
            _cells.CountOf(cell)++;
            ref var saldo = ref _cells.SaldoOf(cell);
            saldo = checked(saldo + row.SaldoCents);
            pairs[r] = ((long)cell << 32) | (uint)row.Documento;
            changed?.Add(cell);
        }

        _absSaldoBound = bound;
        ArrayPool<long>.Shared.Return(keys);
        ArrayPool<PartitionedRow>.Shared.Return(sorted);
        ArrayPool<int>.Shared.Return(docMap);
        if (changed is not null)
        {
            foreach (var cell in changed)
            {
                changedCells!.Add(cell);
            }
        }

        GestionCount += ejecutivo.Length;
    }

    /// <summary>
    /// Why this table could not take <paramref name="batch"/> whole (a dictionary limit, or sums leaving the exact
    /// 64-bit range), or null when it can. Checked before a batch is stored, so a stored batch always applies.
    /// </summary>
    public string? CheckCanAccept(GestionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if ((long)GestionCount + batch.Count > int.MaxValue)
        {
            return $"the day would hold more than {int.MaxValue} gestiones";
        }

        var newEjecutivos = batch.Ejecutivos.Distinct(StringComparer.Ordinal).Count(e => Ejecutivos.IndexOf(e) < 0);
        if (Ejecutivos.Count + newEjecutivos > MaxEjecutivos)
        {
            return $"the day would hold more than {MaxEjecutivos} ejecutivos";
        }

        var newCanales = batch.Canales.Distinct(StringComparer.Ordinal).Count(c => Canales.IndexOf(c) < 0);
        if (Canales.Count + newCanales > MaxCanales)
        {
            return $"the day would hold more than {MaxCanales} canales";
        }

        var newTipificaciones = batch.Tipificaciones.Select(t => Utf8Text.NormalizeKey(t)).Distinct(StringComparer.Ordinal).Count(t => Tipificaciones.IndexOf(t) < 0);
        if (Tipificaciones.Count + newTipificaciones > MaxTipificaciones)
        {
            return $"the day would hold more than {MaxTipificaciones} tipificaciones";
        }

        var bound = _absSaldoBound;
        foreach (var cents in batch.SaldoCents)
        {
            bound = SaturatingAdd(bound, cents == long.MinValue ? long.MaxValue : Math.Abs(cents));
        }

        return bound == long.MaxValue ? "the day's saldo sums would leave the exact range of 64-bit cents" : null;
    }

    /// <summary>Records the hours an ejecutivo worked this day; a later jornada replaces an earlier one.</summary>
    public void SetJornada(ReadOnlySpan<byte> ejecutivo, long hoursCents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hoursCents);
        var ej = Ejecutivos.GetOrAdd(ejecutivo);
        EnsureJornadaSlot(ej);
        _jornadaCents[ej] = hoursCents;
    }

    /// <summary>The jornada of ejecutivo id <paramref name="ejecutivo"/> in cents, or -1.</summary>
    internal long JornadaCents(int ejecutivo) => ejecutivo < _jornadaCents.Length ? _jornadaCents[ejecutivo] : -1;

    /// <summary>
    /// Adds every cell, pair and jornada of <paramref name="delta"/> (a table of the same day built from a batch).
    /// The indexes of the cells that changed are added to <paramref name="changedCells"/>; ejecutivos whose jornada
    /// changed to <paramref name="changedJornadas"/>.
    /// </summary>
    public void Merge(MetricTable delta, ICollection<int>? changedCells = null, ICollection<string>? changedJornadas = null)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Day != Day)
        {
            throw new ArgumentException($"cannot merge the table of {delta.Day:yyyy-MM-dd} into {Day:yyyy-MM-dd}", nameof(delta));
        }

        _cells.EnsureCapacity(_cells.Count + delta.CellCount);
        _pairs.EnsureCapacity(_pairs.LoggedCount + delta.PairCount);
        var ejMap = Remap(delta.Ejecutivos, Ejecutivos);
        var caMap = Remap(delta.Canales, Canales);
        var tipMap = Remap(delta.Tipificaciones, Tipificaciones);
        var cellMap = new int[delta.CellCount];
        foreach (ref readonly var source in delta._cells)
        {
            var (ej, hora, ca, tip, tramo) = UnpackKey(source.Key);
            var cell = _cells.GetOrAdd(PackKey(ejMap[ej], hora, caMap[ca], tipMap[tip], tramo));
            ref var count = ref _cells.CountOf(cell);
            count = checked(count + source.Count);
            ref var saldo = ref _cells.SaldoOf(cell);
            saldo = checked(saldo + source.SaldoCents);
            _absSaldoBound = SaturatingAdd(_absSaldoBound, Math.Abs(source.SaldoCents));
            cellMap[source.Cell] = cell;
            changedCells?.Add(cell);
        }

        var docMap = new int[delta.Documentos.Count];
        Array.Fill(docMap, -1);
        foreach (var pair in delta._pairs.Members)
        {
            var docId = (int)(pair & 0xFFFFFFFF);
            var doc = docMap[docId];
            if (doc < 0)
            {
                doc = docMap[docId] = Documentos.GetOrAddFrom(delta.Documentos, docId);
            }

            _pairs.Add(((long)cellMap[(int)(pair >> 32)] << 32) | (uint)doc);
        }

        for (var ej = 0; ej < delta.Ejecutivos.Count; ej++)
        {
            var hours = delta.JornadaCents(ej);
            if (hours >= 0)
            {
                var mine = ejMap[ej];
                EnsureJornadaSlot(mine);
                if (_jornadaCents[mine] != hours)
                {
                    _jornadaCents[mine] = hours;
                    changedJornadas?.Add(Ejecutivos.GetString(mine));
                }
            }
        }

        GestionCount += delta.GestionCount;
    }

    /// <summary>A batch row as the cells take it: cell key, saldo and this table's documento id.</summary>
    private readonly record struct PartitionedRow(long Key, long SaldoCents, int Documento);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long PackKey(int ejecutivo, int hora, int canal, int tipificacion, int tramo) =>
        ((long)ejecutivo << EjecutivoShift) | ((long)tipificacion << TipShift) | ((long)canal << CanalShift) | ((long)hora << HoraShift) | (long)tramo;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Ejecutivo, int Hora, int Canal, int Tipificacion, int Tramo) UnpackKey(long key) =>
        ((int)(key >> EjecutivoShift), (int)((key >> HoraShift) & 0x1F), (int)((key >> CanalShift) & 0xFF), (int)((key >> TipShift) & 0xFFFFF), (int)(key & 0x7));

    /// <summary>
    /// The cell-key bits of (ejecutivo, canal, tipificación) from one lookup of the three raw values
    /// together (length-prefixed), instead of three dictionary lookups per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ComboBits(ReadOnlySpan<byte> ejecutivo, ReadOnlySpan<byte> canal, ReadOnlySpan<byte> rawTipificacion)
    {
        var length = ejecutivo.Length + canal.Length + rawTipificacion.Length + 2;
        if (ejecutivo.Length > 255 || canal.Length > 255 || length > _comboBuffer.Length)
        {
            return ComboBitsSlow(ejecutivo, canal, rawTipificacion);
        }

        var buffer = _comboBuffer.AsSpan();
        buffer[0] = (byte)ejecutivo.Length;
        ejecutivo.CopyTo(buffer[1..]);
        buffer[ejecutivo.Length + 1] = (byte)canal.Length;
        canal.CopyTo(buffer[(ejecutivo.Length + 2)..]);
        rawTipificacion.CopyTo(buffer[(ejecutivo.Length + canal.Length + 2)..]);
        var before = _combos.Count;
        var combo = _combos.GetOrAdd(buffer[..length]);
        if (combo < before)
        {
            return _comboBits[combo];
        }

        var bits = ComboBitsSlow(ejecutivo, canal, rawTipificacion);
        if (combo == _comboBits.Length)
        {
            Array.Resize(ref _comboBits, combo * 2);
        }

        _comboBits[combo] = bits;
        return bits;
    }

    private long ComboBitsSlow(ReadOnlySpan<byte> ejecutivo, ReadOnlySpan<byte> canal, ReadOnlySpan<byte> rawTipificacion)
    {
        var ej = Ejecutivos.GetOrAdd(ejecutivo);
        var ca = Canales.GetOrAdd(canal);
        var tip = TipificacionOf(rawTipificacion);
        if ((uint)ej >= MaxEjecutivos || (uint)ca >= MaxCanales)
        {
            ThrowTooMany();
        }

        return PackKey(ej, 0, ca, tip, 0);
    }

    private int TipificacionOf(ReadOnlySpan<byte> raw)
    {
        var before = _rawTipificaciones.Count;
        var rawId = _rawTipificaciones.GetOrAdd(raw);
        if (rawId < before)
        {
            return _rawToTipificacion[rawId];
        }

        // A spelling not seen before in this table: normalise it once.
        var normalized = System.Text.Encoding.UTF8.GetBytes(Utf8Text.NormalizeKey(raw));
        var tip = Tipificaciones.GetOrAdd(normalized);
        if ((uint)tip >= MaxTipificaciones)
        {
            ThrowTooMany();
        }

        if (rawId == _rawToTipificacion.Length)
        {
            Array.Resize(ref _rawToTipificacion, rawId * 2);
        }

        _rawToTipificacion[rawId] = tip;
        return tip;
    }

    private void EnsureJornadaSlot(int ej)
    {
        if (ej >= _jornadaCents.Length)
        {
            var old = _jornadaCents.Length;
            Array.Resize(ref _jornadaCents, Math.Max(ej + 1, old * 2));
            _jornadaCents.AsSpan(old).Fill(-1);
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="value"/> in a reused buffer.</summary>
    private static ReadOnlySpan<byte> Utf8(string value, ref byte[] buffer)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > buffer.Length)
        {
            buffer = new byte[max];
        }

        return buffer.AsSpan(0, System.Text.Encoding.UTF8.GetBytes(value, buffer));
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static int[] MapStrings(string[] values, Utf8StringPool pool, int limit)
    {
        var map = new int[values.Length];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = pool.GetOrAdd(values[i]);
            if ((uint)map[i] >= limit)
            {
                ThrowTooMany();
            }
        }

        return map;
    }

    private static int[] Remap(Utf8StringPool from, Utf8StringPool to)
    {
        var map = new int[from.Count];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = to.GetOrAdd(from.GetBytes(i));
        }

        return map;
    }

    private static void ThrowTooMany() =>
        throw new InvalidOperationException($"A day's metric table holds at most {MaxEjecutivos} ejecutivos, {MaxTipificaciones} tipificaciones and {MaxCanales} canales.");
}
