using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>
/// A tenant's machine keys (key: the tenant id). A key is shown once, at creation; only its SHA-256 is kept.
/// Keys carry the role <c>admin</c> (ingest, sources) or <c>viewer</c> (dashboards).
/// </summary>
[Alias("pulso.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Creates a key; the answer holds the secret, which is never retrievable again.</summary>
    [Alias("Create")]
    Task<ApiKeyCreated> Create(string name, string role);

    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<ApiKeyInfo>> List();

    /// <summary>Revokes a key; false when there is no such key.</summary>
    [Alias("Revoke")]
    Task<bool> Revoke(string id);

    /// <summary>The role of the key with this id and secret hash, or null.</summary>
    [Alias("Validate"), ReadOnly]
    Task<string?> Validate(string id, string secretSha256);

    /// <summary>Revokes every key (tenant deletion).</summary>
    [Alias("Purge")]
    Task Purge();
}

[GenerateSerializer, Immutable, Alias("pulso.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Role,
    [property: Id(3)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("pulso.ApiKeyCreated")]
public sealed record ApiKeyCreated(
    [property: Id(0)] ApiKeyInfo Info,
    [property: Id(1)] string Key);
