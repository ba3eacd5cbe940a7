using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>
/// A tenant (key: the tenant id): its settings and homologation, persisted. The homologation is read
/// by every query, so changing it changes every figure at once.
/// </summary>
[Alias("pulso.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant with these settings; true when it did not exist.</summary>
    [Alias("Create")]
    Task<bool> Create(TenantSettings settings);

    [Alias("Exists"), ReadOnly]
    Task<bool> Exists();

    /// <summary>The settings, or null when the tenant does not exist (interleaves: a source grain reads it while a deletion purges sources).</summary>
    [Alias("GetSettings"), ReadOnly, AlwaysInterleave]
    Task<TenantSettings?> GetSettings();

    /// <summary>Replaces the settings; the problems found (empty when saved).</summary>
    [Alias("UpdateSettings")]
    Task<IReadOnlyList<string>> UpdateSettings(TenantSettings settings);

    /// <summary>The tenant's current local day (its time zone, daylight saving included).</summary>
    [Alias("Today"), ReadOnly]
    Task<DateOnly> Today();

    [Alias("GetHomologation"), ReadOnly]
    Task<IReadOnlyList<HomologationRuleContract>> GetHomologation();

    /// <summary>What a query needs in one call: settings, homologation and the data incarnation; null when the tenant does not exist.</summary>
    [Alias("GetQueryContext"), ReadOnly]
    Task<TenantQueryContext?> GetQueryContext();

    /// <summary>Replaces the homologation; the problems found (empty when saved).</summary>
    [Alias("SetHomologation")]
    Task<IReadOnlyList<string>> SetHomologation(IReadOnlyList<HomologationRuleContract> rules);

    /// <summary>The names of the tenant's sources, in ordinal order.</summary>
    [Alias("ListSources"), ReadOnly]
    Task<IReadOnlyList<string>> ListSources();

    /// <summary>Records a source of the tenant (before it is configured), so that deletion finds it.</summary>
    [Alias("AddSource")]
    Task AddSource(string name);

    /// <summary>Forgets a source of the tenant (after it was purged).</summary>
    [Alias("RemoveSource")]
    Task RemoveSource(string name);

    /// <summary>
    /// Deletes the tenant: its sources, day tables, idempotency keys and quarantine, API keys, audit log, alert rules,
    /// history and pending notifications, then its settings.
    /// Resumed by the retention reminder if interrupted.
    /// </summary>
    [Alias("Delete")]
    Task Delete();

    /// <summary>Purges the day tables older than the last <c>retentionDays</c> days (the reminder does this hourly); the days purged.</summary>
    [Alias("EnforceRetention")]
    Task<IReadOnlyList<DateOnly>> EnforceRetention();
}
