using Pulso.Grains.Collections;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Persistence;

/// <summary>
/// Binary snapshot of a whole <see cref="MetricTable"/>. Dictionaries, cells and pairs are written in id order,
/// so the decoded table has the same ids, cell indexes and pairs as the original and answers every query the
/// same; it can take further batches and merges.
/// <para>Version 1, inside the <see cref="PersistedFormat"/> frame with magic <c>PMTB</c>; little-endian;
/// <c>str</c> is a 7-bit encoded byte length then UTF-8:</para>
/// <code>
/// i32 day                     DateOnly.DayNumber
/// i64 gestiones               accepted gestiones in the table
/// i32 × 6                     counts: ejecutivos, canales, tipificaciones, documentos, cells, pairs
/// str[ejecutivos]             in id order; likewise:
/// str[canales]
/// str[tipificaciones]         normalised
/// str[documentos]             trimmed, as text
/// i64[cells] key              packed (ejecutivo, tipificación, canal, hora, tramo) ids, in cell-index order
/// i32[cells] count
/// i64[cells] saldo in cents
/// i64[pairs]                  (cell &lt;&lt; 32 | documento), strictly ascending
/// i64[ejecutivos] jornada     hours in cents per ejecutivo id, -1 = none
/// </code>
/// </summary>
public static class MetricTableCodec
{
    /// <summary>The format version this build writes and reads.</summary>
    public const ushort Version = 1;

    internal const string Format = "metric table";

    private static ReadOnlySpan<byte> Magic => "PMTB"u8;

    public static byte[] Encode(MetricTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var cellCount = table.CellCount;
        var pairs = table.Pairs;
        var estimate = 64 + ((table.Ejecutivos.Count + table.Canales.Count + table.Tipificaciones.Count) * 24)
            + (table.Documentos.Count * 12) + (cellCount * 20) + (pairs.Length * 8) + (table.Ejecutivos.Count * 8);
        var writer = PersistedFormat.Begin(Magic, Version, estimate);
        writer.WriteInt32(table.Day.DayNumber);
        writer.WriteInt64(table.GestionCount);
        writer.WriteInt32(table.Ejecutivos.Count);
        writer.WriteInt32(table.Canales.Count);
        writer.WriteInt32(table.Tipificaciones.Count);
        writer.WriteInt32(table.Documentos.Count);
        writer.WriteInt32(cellCount);
        writer.WriteInt32(pairs.Length);
        WritePool(writer, table.Ejecutivos);
        WritePool(writer, table.Canales);
        WritePool(writer, table.Tipificaciones);
        for (var i = 0; i < table.Documentos.Count; i++)
        {
            writer.WriteString(table.Documentos.GetString(i));
        }

        var keys = new long[cellCount];
        var counts = new int[cellCount];
        var saldos = new long[cellCount];
        foreach (ref readonly var entry in table.Cells)
        {
            keys[entry.Cell] = entry.Key;
            counts[entry.Cell] = entry.Count;
            saldos[entry.Cell] = entry.SaldoCents;
        }

        writer.WriteInt64s(keys);
        writer.WriteInt32s(counts);
        writer.WriteInt64s(saldos);
        writer.WriteInt64s(pairs);
        for (var ej = 0; ej < table.Ejecutivos.Count; ej++)
        {
            writer.WriteInt64(table.JornadaCents(ej));
        }

        return PersistedFormat.Finish(writer);
    }

    public static MetricTable Decode(ReadOnlySpan<byte> data)
    {
        var reader = PersistedFormat.Open(data, Magic, Version, Format);
        var dayNumber = reader.ReadInt32("day");
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            throw reader.Corrupt($"day number {dayNumber} is not a date");
        }

        var gestiones = reader.ReadInt64("gestiones");
        var ejecutivos = ReadCount(ref reader, "ejecutivos", MetricTable.MaxEjecutivos);
        var canales = ReadCount(ref reader, "canales", MetricTable.MaxCanales);
        var tipificaciones = ReadCount(ref reader, "tipificaciones", MetricTable.MaxTipificaciones);
        var documentos = ReadCount(ref reader, "documentos", int.MaxValue);
        var cells = ReadCount(ref reader, "cells", int.MaxValue);
        var pairs = ReadCount(ref reader, "pairs", int.MaxValue);
        var least = (ejecutivos * (1L + 8)) + canales + tipificaciones + documentos + (cells * (8L + 4 + 8)) + (pairs * 8L);
        if (least > reader.Remaining)
        {
            throw reader.Corrupt($"the counts need at least {least} bytes, {reader.Remaining} are left");
        }

        var table = MetricTable.ForRestore(DateOnly.FromDayNumber(dayNumber), cells, pairs, documentos);
        ReadPool(ref reader, table.Ejecutivos, ejecutivos, "ejecutivo");
        ReadPool(ref reader, table.Canales, canales, "canal");
        ReadPool(ref reader, table.Tipificaciones, tipificaciones, "tipificacion");
        table.Documentos.EnsureCapacity(documentos);
        for (var i = 0; i < documentos; i++)
        {
            if (table.Documentos.GetOrAdd(reader.ReadUtf8("documento")) != i)
            {
                throw reader.Corrupt($"documento {i} repeats an earlier one");
            }
        }

        var keys = reader.ReadInt64s(cells, "cell keys");
        var counts = reader.ReadInt32s(cells, "cell counts");
        var saldos = reader.ReadInt64s(cells, "cell saldos");
        for (var cell = 0; cell < cells; cell++)
        {
            var key = keys[cell];
            var (ej, hora, canal, tip, tramo) = MetricTable.UnpackKey(key);
            if (key < 0 || MetricTable.PackKey(ej, hora, canal, tip, tramo) != key
                || ej >= ejecutivos || canal >= canales || tip >= tipificaciones)
            {
                throw reader.Corrupt($"cell {cell} has key {key:X}, which names no ejecutivo, canal or tipificación of the table");
            }

            if (counts[cell] < 0)
            {
                throw reader.Corrupt($"cell {cell} has a negative count");
            }

            if (!table.RestoreCell(cell, key, counts[cell], saldos[cell]))
            {
                throw reader.Corrupt($"cell {cell} repeats the key {key:X}");
            }
        }

        var members = reader.ReadInt64s(pairs, "pairs");
        var previous = -1L;
        foreach (var pair in members)
        {
            if (pair <= previous || (pair >> 32) >= cells || (pair & 0xFFFFFFFF) >= documentos)
            {
                throw reader.Corrupt($"pair {pair:X} is out of order or names no cell or documento");
            }

            previous = pair;
        }

        table.RestorePairs(members);
        var jornadas = reader.ReadInt64s(ejecutivos, "jornadas");
        foreach (var cents in jornadas)
        {
            if (cents < -1)
            {
                throw reader.Corrupt($"jornada {cents} is negative");
            }
        }

        reader.ExpectEnd();
        table.RestoreTotals(jornadas, gestiones);
        return table;
    }

    private static void WritePool(PersistedWriter writer, Utf8StringPool pool)
    {
        for (var i = 0; i < pool.Count; i++)
        {
            writer.WriteUtf8(pool.GetBytes(i));
        }
    }

    private static int ReadCount(ref PersistedReader reader, string field, int limit)
    {
        var count = reader.ReadCount(field, 1);
        if (count > limit)
        {
            throw reader.Corrupt($"{count} {field}: a table holds at most {limit}");
        }

        return count;
    }

    private static void ReadPool(ref PersistedReader reader, Utf8StringPool pool, int count, string field)
    {
        for (var i = 0; i < count; i++)
        {
            if (pool.GetOrAdd(reader.ReadUtf8(field)) != i)
            {
                throw reader.Corrupt($"{field} {i} repeats an earlier one");
            }
        }
    }
}
