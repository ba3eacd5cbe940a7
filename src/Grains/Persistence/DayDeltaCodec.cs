using System.Buffers;
using System.Buffers.Binary;
using Pulso.Grains.Collections;
using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Persistence;

/// <summary>
/// Binary form of a <see cref="DayDelta"/>, the payload of one metric-table journal entry. Its size depends on
/// the batch only: the rows, and the dictionary values the rows reference (values of a shared dictionary that no
/// row of this day uses are left out and the indexes renumbered).
/// <para>Version 1, inside the <see cref="PersistedFormat"/> frame with magic <c>PDDL</c>; little-endian;
/// <c>str</c> is a 7-bit encoded byte length then UTF-8; <c>idx</c> is a dictionary index stored in 1, 2 or 4
/// bytes as the dictionary holds up to 2^8, 2^16 or more values:</para>
/// <code>
/// i32 rows                          -1 = no gestiones; then straight to the jornadas
/// u8  dayKind                       0: every row on one day; 1: a day per row
/// i32 day | i32[rows] days          DateOnly.DayNumber
/// 4 × (i32 n, str[n])               ejecutivos, canales, tipificaciones (as read), documentos
/// u8[rows]  hora                    0..31
/// u8[rows]  tramo                   0..7
/// idx[rows] ejecutivo, canal, tipificación, documento
/// i64[rows] saldo in cents
/// i32 n, n × (str ejecutivo, i64 hours in cents)   jornadas, in order
/// </code>
/// </summary>
public static class DayDeltaCodec
{
    /// <summary>The format version this build writes and reads.</summary>
    public const ushort Version = 1;

    internal const string Format = "day delta";
    private const int MaxHora = 31;
    private const int MaxTramo = 7;

    // Per row at least: hora, tramo, four 1-byte indexes, saldo.
    private const int MinRowBytes = 1 + 1 + 4 + 8;

    private static ReadOnlySpan<byte> Magic => "PDDL"u8;

    public static byte[] Encode(DayDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var batch = delta.Gestiones;
        var rows = batch?.Count ?? 0;
        var writer = PersistedFormat.Begin(Magic, Version, 64 + (rows * 40) + (delta.Jornadas.Count * 24));
        if (batch is null)
        {
            writer.WriteInt32(-1);
        }
        else
        {
            WriteGestiones(writer, batch);
        }

        writer.WriteInt32(delta.Jornadas.Count);
        foreach (var (ejecutivo, horasCents) in delta.Jornadas)
        {
            ArgumentNullException.ThrowIfNull(ejecutivo, nameof(delta.Jornadas));
            ArgumentOutOfRangeException.ThrowIfNegative(horasCents, nameof(delta.Jornadas));
            writer.WriteString(ejecutivo);
            writer.WriteInt64(horasCents);
        }

        return PersistedFormat.Finish(writer);
    }

    /// <summary>
    /// The rows of <paramref name="day"/> with no jornadas, written from the builder's UTF-8 dictionaries: the same
    /// bytes as <see cref="Encode(DayDelta)"/> of those rows (every dictionary value is referenced, in order of first use).
    /// </summary>
    public static byte[] Encode(GestionDayBuilder day)
    {
        ArgumentNullException.ThrowIfNull(day);
        var rows = day.Count;
        var writer = PersistedFormat.Begin(Magic, Version, 64 + (rows * 24) + (day.Documentos.Count * 12));
        writer.WriteInt32(rows);
        writer.WriteByte(0);
        writer.WriteInt32(rows == 0 ? 0 : day.DayNumber);
        WriteDictionary(writer, day.Ejecutivos);
        WriteDictionary(writer, day.Canales);
        WriteDictionary(writer, day.Tipificaciones);
        WriteDictionary(writer, day.Documentos);
        CheckRange(day.Hora, MaxHora, nameof(day.Hora));
        CheckRange(day.Tramo, MaxTramo, nameof(day.Tramo));
        writer.WriteBytes(day.Hora);
        writer.WriteBytes(day.Tramo);
        WriteIndexes(writer, day.Ejecutivo, day.Ejecutivos.Count);
        WriteIndexes(writer, day.Canal, day.Canales.Count);
        WriteIndexes(writer, day.Tipificacion, day.Tipificaciones.Count);
        WriteIndexes(writer, day.Documento, day.Documentos.Count);
        writer.WriteInt64s(day.SaldoCents);
        writer.WriteInt32(0);
        return PersistedFormat.Finish(writer);
    }

    public static DayDelta Decode(ReadOnlySpan<byte> data)
    {
        var reader = PersistedFormat.Open(data, Magic, Version, Format);
        var rows = reader.ReadInt32("row count");
        GestionBatch? batch = null;
        if (rows != -1)
        {
            if (rows < 0 || (long)rows * MinRowBytes > reader.Remaining)
            {
                throw reader.Corrupt($"row count {rows} does not fit in the {reader.Remaining} bytes left");
            }

            batch = ReadGestiones(ref reader, rows);
        }

        var count = reader.ReadCount("jornadas", 1 + 8);
        var jornadas = new (string Ejecutivo, long HorasCents)[count];
        for (var i = 0; i < count; i++)
        {
            var ejecutivo = reader.ReadString("jornada ejecutivo");
            var cents = reader.ReadInt64("jornada hours");
            if (cents < 0)
            {
                throw reader.Corrupt($"negative jornada {cents} for '{ejecutivo}'");
            }

            jornadas[i] = (ejecutivo, cents);
        }

        reader.ExpectEnd();
        return new DayDelta(batch, jornadas);
    }

    private static void WriteGestiones(PersistedWriter writer, GestionBatch batch)
    {
        var rows = batch.Count;
        CheckColumn(batch.Hora.Length, rows, nameof(batch.Hora));
        CheckColumn(batch.Tramo.Length, rows, nameof(batch.Tramo));
        CheckColumn(batch.Ejecutivo.Length, rows, nameof(batch.Ejecutivo));
        CheckColumn(batch.Canal.Length, rows, nameof(batch.Canal));
        CheckColumn(batch.Tipificacion.Length, rows, nameof(batch.Tipificacion));
        CheckColumn(batch.Documento.Length, rows, nameof(batch.Documento));
        CheckColumn(batch.SaldoCents.Length, rows, nameof(batch.SaldoCents));
        writer.WriteInt32(rows);

        var days = batch.DayNumber;
        var oneDay = Array.TrueForAll(days, d => d == days[0]);
        writer.WriteByte(oneDay ? (byte)0 : (byte)1);
        if (oneDay)
        {
            writer.WriteInt32(rows == 0 ? 0 : days[0]);
        }
        else
        {
            writer.WriteInt32s(days);
        }

        var ejecutivos = Referenced(batch.Ejecutivos, batch.Ejecutivo, nameof(batch.Ejecutivo));
        var canales = Referenced(batch.Canales, batch.Canal, nameof(batch.Canal));
        var tipificaciones = Referenced(batch.Tipificaciones, batch.Tipificacion, nameof(batch.Tipificacion));
        var documentos = Referenced(batch.Documentos, batch.Documento, nameof(batch.Documento));
        WriteDictionary(writer, batch.Ejecutivos, ejecutivos);
        WriteDictionary(writer, batch.Canales, canales);
        WriteDictionary(writer, batch.Tipificaciones, tipificaciones);
        WriteDictionary(writer, batch.Documentos, documentos);

        CheckRange(batch.Hora, MaxHora, nameof(batch.Hora));
        CheckRange(batch.Tramo, MaxTramo, nameof(batch.Tramo));
        writer.WriteBytes(batch.Hora);
        writer.WriteBytes(batch.Tramo);
        WriteIndexes(writer, batch.Ejecutivo, ejecutivos);
        WriteIndexes(writer, batch.Canal, canales);
        WriteIndexes(writer, batch.Tipificacion, tipificaciones);
        WriteIndexes(writer, batch.Documento, documentos);
        writer.WriteInt64s(batch.SaldoCents);
    }

    private static GestionBatch ReadGestiones(ref PersistedReader reader, int rows)
    {
        int[] days;
        var dayKind = reader.ReadByte("day kind");
        if (dayKind == 0)
        {
            days = new int[rows];
            Array.Fill(days, reader.ReadInt32("day"));
        }
        else if (dayKind == 1)
        {
            days = reader.ReadInt32s(rows, "days");
        }
        else
        {
            throw reader.Corrupt($"unknown day kind {dayKind}");
        }

        var ejecutivos = ReadDictionary(ref reader, "ejecutivos");
        var canales = ReadDictionary(ref reader, "canales");
        var tipificaciones = ReadDictionary(ref reader, "tipificaciones");
        var documentos = ReadDictionary(ref reader, "documentos");
        var hora = ReadSmall(ref reader, rows, MaxHora, "hora");
        var tramo = ReadSmall(ref reader, rows, MaxTramo, "tramo");
        return new GestionBatch
        {
            Ejecutivos = ejecutivos,
            Canales = canales,
            Tipificaciones = tipificaciones,
            Documentos = documentos,
            DayNumber = days,
            Hora = hora,
            Tramo = tramo,
            Ejecutivo = ReadIndexes(ref reader, rows, ejecutivos.Length, "ejecutivo"),
            Canal = ReadIndexes(ref reader, rows, canales.Length, "canal"),
            Tipificacion = ReadIndexes(ref reader, rows, tipificaciones.Length, "tipificacion"),
            Documento = ReadIndexes(ref reader, rows, documentos.Length, "documento"),
            SaldoCents = reader.ReadInt64s(rows, "saldo"),
        };
    }

    /// <summary>The new index of each dictionary value that some row references, in dictionary order; -1 for the others.</summary>
    private static int[] Referenced(string[] values, int[] indexes, string column)
    {
        var map = new int[values.Length];
        foreach (var index in indexes)
        {
            if ((uint)index >= (uint)values.Length)
            {
                throw new ArgumentException($"The {column} column holds index {index}, outside its dictionary of {values.Length} values.");
            }

            map[index] = 1;
        }

        var used = 0;
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = map[i] != 0 ? used++ : -1;
        }

        return map;
    }

    private static void WriteDictionary(PersistedWriter writer, string[] values, int[] map)
    {
        var count = 0;
        foreach (var m in map)
        {
            count += m >= 0 ? 1 : 0;
        }

        writer.WriteInt32(count);
        for (var i = 0; i < values.Length; i++)
        {
            if (map[i] >= 0)
            {
                ArgumentNullException.ThrowIfNull(values[i], nameof(DayDelta.Gestiones));
                writer.WriteString(values[i]);
            }
        }
    }

    private static void WriteDictionary(PersistedWriter writer, Utf8StringPool values)
    {
        writer.WriteInt32(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            writer.WriteUtf8(values.GetBytes(i));
        }
    }

    private static string[] ReadDictionary(ref PersistedReader reader, string field)
    {
        var values = new string[reader.ReadCount(field, 1)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString(field);
        }

        return values;
    }

    private static int IndexWidth(int dictionarySize) => dictionarySize <= 1 << 8 ? 1 : dictionarySize <= 1 << 16 ? 2 : 4;

    /// <summary>Indexes renumbered through <paramref name="map"/> (see <see cref="Referenced"/>), then written as the builder's are.</summary>
    private static void WriteIndexes(PersistedWriter writer, int[] indexes, int[] map)
    {
        var used = 0;
        foreach (var m in map)
        {
            used = Math.Max(used, m + 1);
        }

        var renumbered = ArrayPool<int>.Shared.Rent(indexes.Length);
        try
        {
            for (var i = 0; i < indexes.Length; i++)
            {
                renumbered[i] = map[indexes[i]];
            }

            WriteIndexes(writer, renumbered.AsSpan(0, indexes.Length), used);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(renumbered);
        }
    }

    /// <summary>Indexes into a dictionary of <paramref name="dictionarySize"/> values, every one of them referenced.</summary>
    private static void WriteIndexes(PersistedWriter writer, ReadOnlySpan<int> indexes, int dictionarySize)
    {
        var width = IndexWidth(dictionarySize);
        var target = writer.Reserve(indexes.Length * width);
        switch (width)
        {
            case 1:
                for (var i = 0; i < indexes.Length; i++)
                {
                    target[i] = (byte)indexes[i];
                }

                break;
            case 2:
                for (var i = 0; i < indexes.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(target[(i * 2)..], (ushort)indexes[i]);
                }

                break;
            default:
                for (var i = 0; i < indexes.Length; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(target[(i * 4)..], indexes[i]);
                }

                break;
        }
    }

    private static int[] ReadIndexes(ref PersistedReader reader, int rows, int dictionarySize, string field)
    {
        var width = IndexWidth(dictionarySize);
        var source = reader.ReadBytes(checked(rows * width), field);
        var indexes = GC.AllocateUninitializedArray<int>(rows);
        var max = -1;
        switch (width)
        {
            case 1:
                for (var i = 0; i < rows; i++)
                {
                    max = Math.Max(max, indexes[i] = source[i]);
                }

                break;
            case 2:
                for (var i = 0; i < rows; i++)
                {
                    max = Math.Max(max, indexes[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                }

                break;
            default:
                for (var i = 0; i < rows; i++)
                {
                    var index = BinaryPrimitives.ReadInt32LittleEndian(source[(i * 4)..]);
                    max = index < 0 ? int.MaxValue : Math.Max(max, index);
                    indexes[i] = index;
                }

                break;
        }

        if (max >= dictionarySize)
        {
            throw reader.Corrupt($"a {field} index is outside its dictionary of {dictionarySize} values");
        }

        return indexes;
    }

    private static byte[] ReadSmall(ref PersistedReader reader, int rows, int max, string field)
    {
        var values = reader.ReadBytes(rows, field).ToArray();
        foreach (var value in values)
        {
            if (value > max)
            {
                throw reader.Corrupt($"{field} {value} is above {max}");
            }
        }

        return values;
    }

    private static void CheckColumn(int length, int rows, string column)
    {
        if (length != rows)
        {
            throw new ArgumentException($"The {column} column has {length} values for {rows} rows.");
        }
    }

    private static void CheckRange(ReadOnlySpan<byte> values, int max, string column)
    {
        foreach (var value in values)
        {
            if (value > max)
            {
                throw new ArgumentException($"The {column} column holds {value}, above {max}.");
            }
        }
    }
}
