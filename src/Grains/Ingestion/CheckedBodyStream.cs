using System.Text;

namespace Pulso.Grains.Ingestion;

/// <summary>
/// A request body read through a count and, optionally, a UTF-8 check as the bytes pass: a reader never sees more
/// than <c>maxBytes</c> nor a byte that breaks UTF-8. What a failure throws is the subclass's to say.
/// </summary>
public abstract class CheckedBodyStream(Stream inner, long maxBytes, bool checkUtf8) : Stream
{
    private readonly Decoder? _utf8 = checkUtf8 ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder() : null;
    private long _read;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Take(buffer[..n], ended: n == 0 && !buffer.IsEmpty);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Take(buffer.Span[..n], ended: n == 0 && !buffer.IsEmpty);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>What to throw when the body passes <c>maxBytes</c>.</summary>
    protected abstract Exception TooLarge(long limit);

    /// <summary>What to throw when the body is not UTF-8 (near byte <paramref name="offset"/>).</summary>
    protected abstract Exception NotUtf8(long offset);

    /// <summary>Sees every byte once, in order (e.g. to hash the body).</summary>
    protected virtual void Observe(ReadOnlySpan<byte> data)
    {
    }

    // A zero-byte read of an empty buffer only waits for data; the end is a zero-byte read of a real buffer.
    private void Take(ReadOnlySpan<byte> data, bool ended)
    {
        if ((data.IsEmpty && !ended) || _ended)
        {
            return;
        }

        _ended = ended;
        _read += data.Length;
        if (_read > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        Observe(data);
        if (_utf8 is null)
        {
            return;
        }

        try
        {
            // A character may straddle two reads; the end of the body flushes what is left.
            _utf8.GetCharCount(data, flush: _ended);
        }
        catch (DecoderFallbackException e)
        {
            throw NotUtf8(_read - data.Length + Math.Max(0, e.Index));
        }
    }
}
