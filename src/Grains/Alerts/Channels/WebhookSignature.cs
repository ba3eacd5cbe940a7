using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pulso.Grains.Alerts.Channels;

/// <summary>
/// The signature of a webhook: <c>X-Pulso-Signature: t={unix seconds},v1={hex HMAC-SHA256}</c>, the HMAC keyed with the
/// channel's secret (UTF-8) over <c>{t}.{body}</c> (the body's exact bytes). A receiver recomputes it, compares in
/// constant time, and refuses timestamps far from its clock so that a captured request cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Pulso-Signature";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        var signed = new byte[Encoding.ASCII.GetByteCount(t) + 1 + body.Length];
        var written = Encoding.ASCII.GetBytes(t, signed);
        signed[written] = (byte)'.';
        body.CopyTo(signed.AsSpan(written + 1));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }
}
