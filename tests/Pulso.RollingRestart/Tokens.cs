using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Pulso.RollingRestart;

/// <summary>HS256 tokens as the silos issue them (claims tenant and role; issuer and audience <c>pulso</c>).</summary>
internal static class Tokens
{
    public static string Issue(string signingKey, string tenant, string role)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = $"{role}@{tenant}",
            ["tenant"] = tenant,
            ["role"] = role,
            ["iss"] = "pulso",
            ["aud"] = "pulso",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        }));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
