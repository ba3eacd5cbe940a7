using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Pulso.Gateway.Tests.Support;

/// <summary>Request bodies for the bad-input sweep: text, text that is not UTF-8, and 50 MB streamed as it is sent.</summary>
internal static class Bodies
{
    public const string Sql = "'; DROP TABLE x; --";
    public const string Script = "<script>alert(1)</script>";

    /// <summary>A lone Latin-1 byte where the text has <c>Ñ</c>, the way a Windows export writes it.</summary>
    public static HttpContent NotUtf8(string text, string contentType)
    {
        Assert.Contains("Ñ", text, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text.Replace("Ñ", "\u0001", StringComparison.Ordinal));
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == 1)
            {
                bytes[i] = 0xD1;
            }
        }

        return Http.Body(bytes, contentType);
    }

    /// <summary><paramref name="head"/> then <paramref name="repeated"/> until 50 MB were sent, with no Content-Length.</summary>
    public static HttpContent Streamed50Mb(string contentType, string head, string repeated) =>
        new Streamed(contentType, Encoding.UTF8.GetBytes(head), Encoding.UTF8.GetBytes(repeated), 50_000_000);

    private sealed class Streamed : HttpContent
    {
        private readonly byte[] _head;
        private readonly byte[] _chunk;
        private readonly long _bytes;

        public Streamed(string contentType, byte[] head, byte[] repeated, long bytes)
        {
            _head = head;
            // Whole repetitions of about 64 KiB per write.
            _chunk = [.. Enumerable.Repeat(repeated, Math.Max(1, (64 << 10) / repeated.Length)).SelectMany(b => b)];
            _bytes = bytes;
            Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            try
            {
                await stream.WriteAsync(_head);
                for (long sent = _head.Length; sent < _bytes; sent += _chunk.Length)
                {
                    await stream.WriteAsync(_chunk);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The server answered and stopped reading: that is what is tested.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
