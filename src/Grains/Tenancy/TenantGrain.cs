using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Tenancy;

/// <summary>What a tenant grain persists (Orleans binary serializer; ids are a storage contract).</summary>
[GenerateSerializer, Alias("pulso.TenantState")]
public sealed class TenantState
{
    /// <summary>Format version of this state, for upgrades.</summary>
    [Id(0)]
    public int FormatVersion { get; set; } = 1;

    [Id(1)]
    public TenantSettings? Settings { get; set; }

    [Id(2)]
    public List<HomologationRuleContract> Homologation { get; set; } = [];
}

/// <summary>A tenant's settings and homologation (key: the tenant id).</summary>
public sealed class TenantGrain([PersistentState("tenant", "pulso")] IPersistentState<TenantState> state, TimeProvider time) : Grain, ITenantGrain
{
    public async Task<bool> Create(TenantSettings settings)
    {
        if (state.State.Settings is not null)
        {
            return false;
        }

        var problems = Validate(settings);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        state.State.Settings = settings;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Add(this.GetPrimaryKeyString());
        return true;
    }

    public Task<bool> Exists() => Task.FromResult(state.State.Settings is not null);

    public Task<TenantSettings?> GetSettings() => Task.FromResult(state.State.Settings);

    public async Task<IReadOnlyList<string>> UpdateSettings(TenantSettings settings)
    {
        RequireExists();
        var problems = Validate(settings);
        if (problems.Count == 0)
        {
            state.State.Settings = settings;
            await state.WriteStateAsync();
        }

        return problems;
    }

    public Task<DateOnly> Today()
    {
        RequireExists();
        return Task.FromResult(TenantClock.Today(TenantClock.Zone(state.State.Settings!.TimeZone), time));
    }

    public Task<IReadOnlyList<HomologationRuleContract>> GetHomologation() =>
        Task.FromResult<IReadOnlyList<HomologationRuleContract>>(state.State.Homologation);

    public async Task<IReadOnlyList<string>> SetHomologation(IReadOnlyList<HomologationRuleContract> rules)
    {
        RequireExists();
        rules.ToTable(out var problems);
        if (problems.Count == 0)
        {
            state.State.Homologation = [.. rules];
            await state.WriteStateAsync();
        }

        return problems;
    }

    public async Task Delete()
    {
        await state.ClearStateAsync();
        state.State = new TenantState();
        await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Remove(this.GetPrimaryKeyString());
    }

    private void RequireExists()
    {
        if (state.State.Settings is null)
        {
            throw new KeyNotFoundException($"tenant '{this.GetPrimaryKeyString()}' does not exist");
        }
    }

    private static List<string> Validate(TenantSettings settings)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(settings.DisplayName))
        {
            problems.Add("displayName must not be empty");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone ?? string.Empty, out _))
        {
            problems.Add($"timeZone '{settings.TimeZone}' is not a known IANA time zone");
        }

        if (settings.RetentionDays is < 1 or > 3660)
        {
            problems.Add("retentionDays must be between 1 and 3660");
        }

        (settings.Metrics ?? []).ToCatalog(out var metricProblems);
        problems.AddRange(metricProblems);
        return problems;
    }
}
