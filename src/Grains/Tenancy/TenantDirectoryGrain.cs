using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Tenancy;

/// <summary>What the tenant directory persists.</summary>
[GenerateSerializer, Alias("pulso.TenantDirectoryState")]
public sealed class TenantDirectoryState
{
    [Id(0)]
    public int FormatVersion { get; set; } = 1;

    [Id(1)]
    public SortedSet<string> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The set of tenant ids, kept by the tenant grains as they are created and deleted.</summary>
public sealed class TenantDirectoryGrain([PersistentState("directory", "pulso")] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    public async Task Add(string tenant)
    {
        if (state.State.Tenants.Add(GrainKeys.RequireTenant(tenant)))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Remove(string tenant)
    {
        if (state.State.Tenants.Remove(tenant))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Tenants]);
}
