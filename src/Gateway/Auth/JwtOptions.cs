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
    /// True when tokens are checked against keys that outlive the process (a signing key or an authority); without
    /// them each process signs with a key of its own, which no other process of a cluster accepts.
    /// </summary>
    public bool HasConfiguredKeys => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(Authority);
}
