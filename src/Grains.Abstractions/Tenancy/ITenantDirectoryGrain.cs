using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>The list of tenants, for operators (key <see cref="Key"/>). Never on a hot path: only tenant admin uses it.</summary>
[Alias("pulso.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "directory";

    [Alias("Add")]
    Task Add(string tenant);

    [Alias("Remove")]
    Task Remove(string tenant);

    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<string>> List();
}
