using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace Pulso.Grains.Csv;

/// <summary>
/// Streaming pull reader of CSV records from a stream or from a byte range of a file.
/// <see cref="Read"/> advances to the next record; <see cref="Field"/> returns a field's bytes,
/// valid until the next call. Every record is checked to be UTF-8; a UTF-8 byte-order mark at
/// the start of the input is skipped. Errors are <see cref="CsvFormatException"/>s naming the
/// source and the line.
/// </summary>
public sealed class CsvReader : IDisposable
{
    private const int DefaultBufferSize = 1 << 20;
    private readonly CsvTokenizer _tokenizer = new();
    private readonly Stream? _stream;
    private readonly SafeFileHandle? _file;
    private readonly long _rangeEnd;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _start;
    private int _validatedUpTo;
    private int _suspectUpTo;
    private int _end;
    private int _recordOffset;
    private int _recordLength;
    private long _bufferFileOffset;
    private long _nextLine = 1;
    private bool _eof;
    private bool _bomChecked;

    /// <summary>Reads records from <paramref name="stream"/>.</summary>
    public CsvReader(Stream stream, string sourceName, bool leaveOpen = false, int bufferSize = DefaultBufferSize, long firstLine = 1)
    {
        _nextLine = firstLine;
        _bomChecked = firstLine != 1;
        _stream = stream;
        SourceName = sourceName;
        _leaveOpen = leaveOpen;
        _buffer = new byte[bufferSize];
        _rangeEnd = long.MaxValue;
    }

    /// <summary>
    /// Reads the records of <paramref name="file"/> that start in [<paramref name="start"/>, <paramref name="end"/>),
    /// <paramref name="start"/> being the start of a record; the last one may run past <paramref name="end"/>.
    /// </summary>
    internal CsvReader(SafeFileHandle file, long start, long end, string sourceName, int bufferSize = DefaultBufferSize, long firstLine = 1)
    {
        _nextLine = firstLine;
        _file = file;
        SourceName = sourceName;
        _buffer = new byte[bufferSize];
        _bufferFileOffset = start;
        _rangeEnd = end;
        _bomChecked = start != 0;
        _leaveOpen = true;
    }

    public string SourceName { get; }

    /// <summary>The 1-based physical line on which the current record starts (a range reader counts from the first line it was given).</summary>
    public long Line { get; private set; }

    public int FieldCount => _tokenizer.FieldCount;

    /// <summary>Absolute input offset just past the last record read: where a following range must start.</summary>
    public long Position => _bufferFileOffset + _start;

    /// <summary>The line number the next record would start on, blank lines aside.</summary>
    public long NextLine => _nextLine;

    public ReadOnlySpan<byte> Field(int index) => _tokenizer.Field(_buffer.AsSpan(_recordOffset, _recordLength), index);

    /// <summary>The raw bytes of the current record (without its line break).</summary>
    public ReadOnlySpan<byte> RawRecord => _buffer.AsSpan(_recordOffset, _recordLength);

    public bool Read()
    {
        while (true)
        {
            if (!_bomChecked)
            {
                if (_end - _start < 3 && !_eof)
                {
                    Fill();
                    continue;
                }

                _bomChecked = true;
                if (_buffer.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8))
                {
                    _start += 3;
                }
            }

            if (_bufferFileOffset + _start >= _rangeEnd)
            {
                return false;
            }

            var block = _buffer.AsSpan(_start, _end - _start);
            CsvReadStatus status;
            int consumed;
            try
            {
                status = _tokenizer.Read(block, _eof, out consumed);
            }
            catch (CsvFormatException e)
            {
                throw new CsvFormatException($"{SourceName}: line {_nextLine + _tokenizer.BlankLinesBefore}: {e.Message}", e);
            }

            switch (status)
            {
                case CsvReadStatus.Record:
                    var recordStart = _start + _tokenizer.RecordStart;
                    _recordOffset = recordStart;
                    _recordLength = _start + consumed - recordStart;
                    Line = _nextLine + _tokenizer.BlankLinesBefore;
                    _nextLine += Math.Max(_tokenizer.LineBreaks, _tokenizer.BlankLinesBefore + 1);
                    _start += consumed;
                    if (_start > _validatedUpTo)
                    {
                        ValidateUtf8();
                    }

                    return true;
                case CsvReadStatus.EndOfData:
                    _start += consumed;
                    return false;
                default:
                    if (_eof)
                    {
                        return false;
                    }

                    Fill();
                    break;
            }
        }
    }


    /// <summary>
    /// Checks UTF-8 a buffer at a time, up to the last line break read (a line break never falls inside a
    /// multi-byte character). Where that fails, records are checked one by one so the error names the line.
    /// </summary>
    private void ValidateUtf8()
    {
        if (_start > _suspectUpTo)
        {
            var lastBreak = _buffer.AsSpan(_start, _end - _start).LastIndexOf((byte)'\n');
            var upTo = lastBreak < 0 ? _start : _start + lastBreak + 1;
            if (Utf8.IsValid(_buffer.AsSpan(_validatedUpTo, upTo - _validatedUpTo)))
            {
                _validatedUpTo = upTo;
                return;
            }

            _suspectUpTo = upTo;
        }

        if (!Utf8.IsValid(_buffer.AsSpan(_validatedUpTo, _start - _validatedUpTo)))
        {
            throw new CsvFormatException($"{SourceName}: line {Line}: the text is not valid UTF-8");
        }

        _validatedUpTo = _start;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            var live = _end - _start;
            _buffer.AsSpan(_start, live).CopyTo(_buffer);
            _bufferFileOffset += _start;
            _validatedUpTo = Math.Max(0, _validatedUpTo - _start);
            _suspectUpTo = Math.Max(0, _suspectUpTo - _start);
            _recordOffset -= _start;
            _start = 0;
            _end = live;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var target = _buffer.AsSpan(_end);
        var read = _stream is not null
            ? ReadStream(target)
            : RandomAccess.Read(_file!, target, _bufferFileOffset + _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private int ReadStream(Span<byte> target)
    {
        var total = 0;
        while (total < target.Length)
        {
            var n = _stream!.Read(target[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream?.Dispose();
        }
    }
}
