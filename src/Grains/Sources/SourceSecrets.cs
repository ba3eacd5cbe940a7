using System.Security.Cryptography;
using System.Text;

namespace Pulso.Grains.Sources;

/// <summary>
/// <c>Pulso:Sources</c>: the key that encrypts source secrets at rest (<c>SecretKey</c>, 32 bytes in base64), the
/// keys it replaced (<c>PreviousSecretKeys</c>), which still decrypt until every source has been re-encrypted, and
/// the folders file sources may read (<c>FileRoots</c>) and the hosts other sources may reach (<c>AllowedHosts</c>;
/// any when none is given).
/// </summary>
public sealed class SourceOptions
{
    public const string Section = "Pulso:Sources";

    public string? SecretKey { get; set; }

    public IList<string> PreviousSecretKeys { get; } = [];

    /// <summary>
    /// Folders under which file sources may read (a tenant admin must not point a source at another tenant's drop
    /// folder or at the silo's own files). Empty: any folder, for single-tenant and development use.
    /// </summary>
    public IList<string> FileRoots { get; } = [];

    /// <summary>
    /// Hosts that database and web-service sources may reach: names (case-insensitive), <c>*.example.com</c> for a
    /// domain's hosts, or IP addresses. Empty: any host, for single-tenant and development use; in a shared cluster it
    /// keeps a tenant admin from pointing a source at the cluster's own services (Redis, the membership database).
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Whether <paramref name="host"/> is allowed by <see cref="AllowedHosts"/>.</summary>
    public bool AllowsHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return AllowedHosts.Count == 0 || AllowedHosts.Any(allowed => allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether <paramref name="folder"/> is one of <see cref="FileRoots"/> or inside one (after resolving <c>..</c>).</summary>
    public bool AllowsFolder(string folder)
    {
        if (FileRoots.Count == 0)
        {
            return true;
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return FileRoots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))
            .Any(root => full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    /// <summary>
    /// Whether secrets may be sealed with a key made at start-up when none is configured: set by the silo for
    /// in-memory storage only, where every source is forgotten at exit anyway.
    /// </summary>
    public bool AllowGeneratedKey { get; set; }

    /// <summary>The problems of the configured keys, each naming its key; empty when usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (SecretKey is not null && !SourceSecrets.TryParseKey(SecretKey, out _))
        {
            problems.Add($"{Section}:SecretKey must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)");
        }

        for (var i = 0; i < PreviousSecretKeys.Count; i++)
        {
            if (!SourceSecrets.TryParseKey(PreviousSecretKeys[i], out _))
            {
                problems.Add($"{Section}:PreviousSecretKeys:{i} must be 32 bytes in base64");
            }
        }

        return problems;
    }
}

/// <summary>
/// Encrypts source secrets (connection strings, service-account keys, authorization headers) with AES-GCM.
/// A sealed secret is <c>pulso-secret:v1:{key id}:{base64(nonce | ciphertext | tag)}</c>; the key id (the first
/// 8 bytes of the key's SHA-256, in hex) says which key opens it, so keys can rotate; the grain key of the source
/// is the associated data, so a sealed secret copied to another source (or tenant) does not open there.
/// Without a configured key (the embedded default, in-memory storage) a key is made at start-up.
/// </summary>
public sealed class SourceSecrets
{
    private const string Prefix = "pulso-secret:v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;
    private readonly bool _allowGenerated;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public SourceSecrets(SourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        IsGenerated = options.SecretKey is null;
        _allowGenerated = options.AllowGeneratedKey;
        _key = options.SecretKey is { } text && TryParseKey(text, out var key) ? key : RandomNumberGenerator.GetBytes(32);
        CurrentKeyId = KeyId(_key);
        _keys[CurrentKeyId] = _key;
        foreach (var previous in options.PreviousSecretKeys)
        {
            if (TryParseKey(previous, out var old))
            {
                _keys.TryAdd(KeyId(old), old);
            }
        }
    }

    /// <summary>The options the secrets were made from (file roots included).</summary>
    public SourceOptions Options { get; }

    /// <summary>True when no key was configured and secrets only live as long as this process.</summary>
    public bool IsGenerated { get; }

    public string CurrentKeyId { get; }

    public static bool TryParseKey(string text, out byte[] key)
    {
        key = [];
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        return key.Length == 32;
    }

    /// <summary>Seals <paramref name="secret"/> for the source <paramref name="owner"/> (its grain key).</summary>
    public string Seal(string secret, string owner)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (IsGenerated && !_allowGenerated)
        {
            throw new InvalidOperationException(
                $"{SourceOptions.Section}:SecretKey is not configured, so source secrets cannot be stored (set it to 32 random bytes in base64 on every silo)");
        }

        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(owner));
        CryptographicOperations.ZeroMemory(plain);
        return $"{Prefix}{CurrentKeyId}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>Opens a sealed secret of <paramref name="owner"/>; throws naming the key id when no configured key opens it.</summary>
    public string Open(string sealedSecret, string owner)
    {
        ArgumentNullException.ThrowIfNull(sealedSecret);
        if (!sealedSecret.StartsWith(Prefix, StringComparison.Ordinal) || sealedSecret.IndexOf(':', Prefix.Length) is var colon && colon < 0)
        {
            throw new CryptographicException("the stored source secret is not in the pulso-secret:v1 format");
        }

        var keyId = sealedSecret[Prefix.Length..colon];
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException(
                $"the source secret was sealed with key {keyId}, which is neither {SourceOptions.Section}:SecretKey nor one of its PreviousSecretKeys");
        }

        var bytes = Convert.FromBase64String(sealedSecret[(colon + 1)..]);
        var plainLength = bytes.Length - NonceBytes - TagBytes;
        if (plainLength < 0)
        {
            throw new CryptographicException("the stored source secret is truncated");
        }

        var plain = new byte[plainLength];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(bytes.AsSpan(0, NonceBytes), bytes.AsSpan(NonceBytes, plainLength), bytes.AsSpan(NonceBytes + plainLength), plain, Encoding.UTF8.GetBytes(owner));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Whether a sealed secret was sealed with an older key (and should be sealed again with the current one).</summary>
    public bool IsStale(string sealedSecret) =>
        sealedSecret is not null && !sealedSecret.StartsWith($"{Prefix}{CurrentKeyId}:", StringComparison.Ordinal);

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..16];
}
