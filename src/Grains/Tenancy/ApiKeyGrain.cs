using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Tenancy;

/// <summary>What the API key grain persists: per key id its name, role, creation time and secret hash.</summary>
[GenerateSerializer, Alias("pulso.ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)]
    public int FormatVersion { get; set; } = 1;

    [Id(1)]
    public Dictionary<string, StoredApiKey> Keys { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("pulso.StoredApiKey")]
public sealed record StoredApiKey([property: Id(0)] ApiKeyInfo Info, [property: Id(1)] string SecretSha256);

/// <summary>
/// A tenant's API keys. The key text is <c>pk.{tenant}.{id}.{secret}</c>: the tenant and id say where to check
/// it, the secret (32 random bytes) is only ever compared by hash.
/// </summary>
public sealed class ApiKeyGrain([PersistentState("apikeys", "pulso")] IPersistentState<ApiKeyState> state, TimeProvider time) : Grain, IApiKeyGrain
{
    private static readonly string[] s_roles = ["admin", "viewer"];

    public async Task<ApiKeyCreated> Create(string name, string role)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("name must be 1 to 100 characters");
        }

        if (!s_roles.Contains(role))
        {
            throw new ArgumentException($"role must be admin or viewer, not '{role}'");
        }

        if (state.State.Keys.Count >= 100)
        {
            throw new ArgumentException("a tenant holds at most 100 API keys; revoke one first");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var info = new ApiKeyInfo(id, name.Trim(), role, time.GetUtcNow());
        state.State.Keys[id] = new StoredApiKey(info, Hash(secret));
        await state.WriteStateAsync();
        return new ApiKeyCreated(info, $"pk.{this.GetPrimaryKeyString()}.{id}.{secret}");
    }

    public Task<IReadOnlyList<ApiKeyInfo>> List() =>
        Task.FromResult<IReadOnlyList<ApiKeyInfo>>(state.State.Keys.Values.Select(k => k.Info).OrderBy(k => k.CreatedAt).ToList());

    public async Task<bool> Revoke(string id)
    {
        if (!state.State.Keys.Remove(id))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    public Task<string?> Validate(string id, string secretSha256)
    {
        if (state.State.Keys.TryGetValue(id, out var key)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.SecretSha256), Encoding.ASCII.GetBytes(secretSha256 ?? string.Empty)))
        {
            return Task.FromResult<string?>(key.Info.Role);
        }

        return Task.FromResult<string?>(null);
    }

    public async Task Purge()
    {
        await state.ClearStateAsync();
        state.State = new ApiKeyState();
    }

    /// <summary>The stored form of a secret.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
