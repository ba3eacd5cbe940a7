using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Pulso.Gateway.Hosting;

/// <summary>
/// Bodies of the routes that read small JSON or CSV documents (settings, homologation, API keys): at most a given number
/// of bytes and UTF-8, checked as they are read so that a handler never sees more or other bytes, whatever the server
/// enforces itself. A body over the limit is a 413, one that is not UTF-8 a 400, both problem+json saying so.
/// Push ingest guards its own bodies with its own limits.
/// </summary>
internal static class BodyGuard
{
    public static RouteGroupBuilder WithBodyGuard(this RouteGroupBuilder group, long maxBytes)
    {
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var request = invocation.HttpContext.Request;
            if (request.ContentLength > maxBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"the body ({request.ContentLength} bytes) is over the limit of {maxBytes} bytes");
            }

            // Only ever lowers the server's own limit (Kestrel:Limits:MaxRequestBodySize), never raises it.
            if (invocation.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size
                && (size.MaxRequestBodySize is null || size.MaxRequestBodySize > maxBytes + 1))
            {
                size.MaxRequestBodySize = maxBytes + 1;
            }

            request.Body = new GuardedBody(request.Body, maxBytes);
            try
            {
                return await next(invocation);
            }
            catch (BadHttpRequestException e) when (!invocation.HttpContext.Response.HasStarted)
            {
                return TypedResults.Problem(statusCode: e.StatusCode, detail: Limits.BadRequestProblems.Detail(e));
            }
        });
        return group;
    }

    private sealed class GuardedBody(Stream inner, long maxBytes) : Stream
    {
        private readonly Decoder _utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
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
                throw new BadHttpRequestException($"the body is over the limit of {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
            }

            try
            {
                // A character may straddle two reads; the end of the body flushes what is left.
                _utf8.GetCharCount(data, flush: _ended);
            }
            catch (DecoderFallbackException e)
            {
                throw new BadHttpRequestException($"the body is not valid UTF-8 (near byte {_read - data.Length + Math.Max(0, e.Index)})", StatusCodes.Status400BadRequest);
            }
        }
    }
}
