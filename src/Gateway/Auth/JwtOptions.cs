namespace Pulso.Gateway.Auth;

/// <summary><c>Pulso:Auth:Jwt</c>: HS256 with a shared key, or an OIDC authority publishing its keys (JWKS).</summary>
public sealed class JwtOptions
{
    public const string Section = "Pulso:Auth:Jwt";

    /// <summary>The HS256 key: the UTF-8 bytes of this string, at least 32 of them.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "pulso";

    public string Audience { get; set; } = "pulso";

    /// <summary>An OIDC authority to take signing keys from instead of <see cref="SigningKey"/>.</summary>
    public string? Authority { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// Keys replaced by <see cref="SigningKey"/> that still validate tokens until their <see cref="PreviousKey.AcceptUntil"/>
    /// (<c>Pulso:Auth:Jwt:PreviousKeys:0:Key</c>, <c>…:0:AcceptUntil</c>): a rotation does not log everyone out at once.
    /// New tokens are signed with <see cref="SigningKey"/> only. An OIDC authority rotates through its JWKS instead.
    /// </summary>
    public List<PreviousKey> PreviousKeys { get; set; } = [];

    /// <summary>
    /// True when tokens are checked against keys that outlive the process (a signing key or an authority); without
    /// them each process signs with a key of its own, which no other process of a cluster accepts.
    /// </summary>
    public bool HasConfiguredKeys => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>A retired HS256 key and the instant after which tokens signed with it are refused.</summary>
public sealed class PreviousKey
{
    public string Key { get; set; } = string.Empty;

    public DateTimeOffset AcceptUntil { get; set; }
}
