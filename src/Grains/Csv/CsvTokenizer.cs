using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pulso.Grains.Csv;

internal enum CsvReadStatus
{
    Record,
    NeedMoreData,
    EndOfData,
}

/// <summary>
/// RFC 4180 record splitter over a block of UTF-8 bytes: comma separator, double-quote quoting
/// with doubled quotes inside, LF or CRLF line ends, line breaks allowed inside quotes, blank
/// lines skipped. Records without quotes (the common case) are split in place; a quoted record
/// is unescaped into a scratch buffer. Strict: a quote inside an unquoted field, text after a
/// closing quote or an unterminated quote is a format error.
/// </summary>
internal sealed class CsvTokenizer
{
    private static readonly SearchValues<byte> s_lineOrQuote = SearchValues.Create("\n\""u8);
    private static readonly SearchValues<byte> s_unquotedStop = SearchValues.Create(",\n\""u8);

    private int[] _starts = new int[16];
    private int[] _lengths = new int[16];
    private byte[] _scratch = new byte[256];
    private bool _inScratch;

    /// <summary>Number of fields of the last record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Offset of the last record's first byte in the block passed to <see cref="Read"/> (blank lines skipped).</summary>
    public int RecordStart { get; private set; }

    /// <summary>Line breaks consumed with the last record, blank lines before it included.</summary>
    public int LineBreaks { get; private set; }

    /// <summary>Blank lines skipped before the last record.</summary>
    public int BlankLinesBefore { get; private set; }

    /// <summary>Field <paramref name="index"/> of the last record; <paramref name="record"/> starts at <see cref="RecordStart"/>.</summary>
    public ReadOnlySpan<byte> Field(ReadOnlySpan<byte> record, int index)
    {
        var source = _inScratch ? _scratch : record;
        return source.Slice(_starts[index], _lengths[index]);
    }

    public CsvReadStatus Read(ReadOnlySpan<byte> block, bool isFinalBlock, out int consumed)
    {
        var b = 0;
        var blank = 0;
        while (true)
        {
            var rest = block[b..];
            var stop = rest.IndexOfAny(s_lineOrQuote);
            int lineEnd;
            int next;
            if (stop < 0)
            {
                if (!isFinalBlock)
                {
                    consumed = 0;
                    return CsvReadStatus.NeedMoreData;
                }

                if (rest.IsEmpty || (rest.Length == 1 && rest[0] == '\r'))
                {
                    consumed = block.Length;
                    LineBreaks = blank;
                    return CsvReadStatus.EndOfData;
                }

                lineEnd = block.Length;
                next = block.Length;
            }
            else if (rest[stop] == '"')
            {
                RecordStart = b;
                BlankLinesBefore = blank;
                return ReadQuoted(block, b, isFinalBlock, blank, out consumed);
            }
            else
            {
                lineEnd = b + stop;
                next = lineEnd + 1;
            }

            if (lineEnd > b && block[lineEnd - 1] == '\r')
            {
                lineEnd--;
            }

            if (lineEnd == b)
            {
                // Blank line: no record.
                b = next;
                blank++;
                continue;
            }

            RecordStart = b;
            BlankLinesBefore = blank;
            SplitPlain(block, b, lineEnd);
            consumed = next;
            LineBreaks = blank + (next > lineEnd ? 1 : 0);
            return CsvReadStatus.Record;
        }
    }

    private void SplitPlain(ReadOnlySpan<byte> block, int start, int end)
    {
        _inScratch = false;
        var n = 0;
        var fieldStart = start;
        var pos = start;
        ref var origin = ref MemoryMarshal.GetReference(block);

        // Commas found 32 bytes at a time: one compare and a bit scan per field instead of a search call.
        if (Vector256.IsHardwareAccelerated)
        {
            var commas = Vector256.Create((byte)',');
            while (pos + Vector256<byte>.Count <= end)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)pos), commas).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var comma = pos + BitOperations.TrailingZeroCount(mask);
                    AddField(ref n, fieldStart - start, comma - fieldStart);
                    fieldStart = comma + 1;
                    mask &= mask - 1;
                }

                pos += Vector256<byte>.Count;
            }
        }

        for (; pos < end; pos++)
        {
            if (Unsafe.Add(ref origin, pos) == (byte)',')
            {
                AddField(ref n, fieldStart - start, pos - fieldStart);
                fieldStart = pos + 1;
            }
        }

        AddField(ref n, fieldStart - start, end - fieldStart);
        FieldCount = n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddField(ref int n, int start, int length)
    {
        if (n == _starts.Length)
        {
            EnsureField(n);
        }

        _starts[n] = start;
        _lengths[n] = length;
        n++;
    }

    private CsvReadStatus ReadQuoted(ReadOnlySpan<byte> block, int start, bool isFinal, int blank, out int consumed)
    {
        _inScratch = true;
        var len = block.Length;
        var pos = start;
        var n = 0;
        var scratchLength = 0;
        var breaks = blank;
        consumed = 0;
        while (true)
        {
            EnsureField(n);
            _starts[n] = scratchLength;
            if (pos < len && block[pos] == '"')
            {
                pos++;
                while (true)
                {
                    var q = block[pos..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        if (isFinal)
                        {
                            throw new CsvFormatException("a quoted field is not closed before the end of the input");
                        }

                        return CsvReadStatus.NeedMoreData;
                    }

                    var piece = block.Slice(pos, q);
                    breaks += piece.Count((byte)'\n');
                    Append(ref scratchLength, piece);
                    pos += q + 1;
                    if (pos < len && block[pos] == '"')
                    {
                        Append(ref scratchLength, "\""u8);
                        pos++;
                        continue;
                    }

                    if (pos >= len && !isFinal)
                    {
                        return CsvReadStatus.NeedMoreData;
                    }

                    break;
                }

                _lengths[n] = scratchLength - _starts[n];
                n++;
                if (pos >= len)
                {
                    break;
                }

                var c = block[pos];
                if (c == ',')
                {
                    pos++;
                    continue;
                }

                if (c == '\n')
                {
                    pos++;
                    breaks++;
                    break;
                }

                if (c == '\r')
                {
                    if (pos + 1 < len && block[pos + 1] == '\n')
                    {
                        pos += 2;
                        breaks++;
                        break;
                    }

                    if (pos + 1 >= len && !isFinal)
                    {
                        return CsvReadStatus.NeedMoreData;
                    }
                }

                throw new CsvFormatException($"unexpected character '{(char)c}' after a closing quote in field {n}");
            }
            else
            {
                var idx = block[pos..].IndexOfAny(s_unquotedStop);
                if (idx < 0)
                {
                    if (!isFinal)
                    {
                        return CsvReadStatus.NeedMoreData;
                    }

                    var tail = block[pos..];
                    if (!tail.IsEmpty && tail[^1] == '\r')
                    {
                        tail = tail[..^1];
                    }

                    Append(ref scratchLength, tail);
                    _lengths[n] = scratchLength - _starts[n];
                    n++;
                    pos = len;
                    break;
                }

                var c = block[pos + idx];
                if (c == '"')
                {
                    throw new CsvFormatException($"a quote appears inside unquoted field {n + 1}; quote the whole field and double the quote");
                }

                var field = block.Slice(pos, idx);
                if (c == '\n' && !field.IsEmpty && field[^1] == '\r')
                {
                    field = field[..^1];
                }

                Append(ref scratchLength, field);
                _lengths[n] = scratchLength - _starts[n];
                n++;
                pos += idx + 1;
                if (c == '\n')
                {
                    breaks++;
                    break;
                }
            }
        }

        FieldCount = n;
        LineBreaks = breaks;
        consumed = pos;
        return CsvReadStatus.Record;
    }

    private void Append(ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, length + bytes.Length));
        }

        bytes.CopyTo(_scratch.AsSpan(length));
        length += bytes.Length;
    }

    private void EnsureField(int index)
    {
        if (index == _starts.Length)
        {
            Array.Resize(ref _starts, index * 2);
            Array.Resize(ref _lengths, index * 2);
        }
    }
}
