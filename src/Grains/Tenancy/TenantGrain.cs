using Microsoft.Extensions.Logging;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Live;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Persistence;

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

    /// <summary>A deletion began and has not finished: the tenant no longer exists for callers; the reminder resumes it.</summary>
    [Id(3)]
    public bool Deleting { get; set; }

    /// <summary>Drawn at creation and changed by every purge of data (see <see cref="TenantQueryContext.Incarnation"/>).</summary>
    [Id(4)]
    public long Incarnation { get; set; }

    /// <summary>The names of the tenant's sources (their grains are keyed <c>tenant/name</c>).</summary>
    [Id(5)]
    public SortedSet<string> Sources { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A tenant's settings and homologation (key: the tenant id). It owns the tenant's lifecycle: a reminder purges the
/// days older than <c>retentionDays</c>, and deletion removes every grain's data of the tenant before the settings.
/// </summary>
public sealed partial class TenantGrain(
    [PersistentState("tenant", "pulso")] IPersistentState<TenantState> state,
    IMetricJournal journal,
    TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain, IRemindable
{
    /// <summary>Longest display name, in UTF-16 code units.</summary>
    public const int MaxDisplayNameLength = 200;

    /// <summary>The reminder that enforces retention (and finishes an interrupted deletion).</summary>
    public const string RetentionReminder = "retention";

    /// <summary>How often retention is checked; reminders cannot tick faster than a minute, days change once a day.</summary>
    public static readonly TimeSpan RetentionPeriod = TimeSpan.FromHours(1);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Settings is not null && await this.GetReminder(RetentionReminder, cancellationToken) is null)
        {
            await RegisterRetentionAsync();
        }
    }

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
        state.State.Incarnation = Random.Shared.NextInt64(1, long.MaxValue);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Add(this.GetPrimaryKeyString());
        await RegisterRetentionAsync();
        return true;
    }

    public Task<bool> Exists() => Task.FromResult(state.State.Settings is not null && !state.State.Deleting);

    public Task<TenantSettings?> GetSettings() => Task.FromResult(state.State.Deleting ? null : state.State.Settings);

    public async Task<IReadOnlyList<string>> UpdateSettings(TenantSettings settings)
    {
        RequireExists();
        var problems = Validate(settings);
        if (problems.Count == 0)
        {
            state.State.Settings = settings;
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<ITenantFeedGrain>(this.GetPrimaryKeyString()).PublishTenant();
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

    public Task<TenantQueryContext?> GetQueryContext() => Task.FromResult(
        state.State.Settings is null || state.State.Deleting
            ? null
            : new TenantQueryContext(state.State.Settings, state.State.Homologation, state.State.Incarnation));

    public async Task<IReadOnlyList<string>> SetHomologation(IReadOnlyList<HomologationRuleContract> rules)
    {
        RequireExists();
        rules.ToTable(out var problems);
        if (problems.Count == 0)
        {
            state.State.Homologation = [.. rules];
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<ITenantFeedGrain>(this.GetPrimaryKeyString()).PublishTenant();
        }

        return problems;
    }

    public Task<IReadOnlyList<string>> ListSources() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Sources]);

    public async Task AddSource(string name)
    {
        RequireExists();
        _ = GrainKeys.Source(this.GetPrimaryKeyString(), name);
        if (state.State.Sources.Add(name))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveSource(string name)
    {
        if (state.State.Sources.Remove(name))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Delete()
    {
        if (state.State.Settings is null)
        {
            return;
        }

        var tenant = this.GetPrimaryKeyString();
        if (!state.State.Deleting)
        {
            // Marked first: from here on the tenant does not exist for callers, and a crash is finished by the reminder.
            state.State.Deleting = true;
            await state.WriteStateAsync();
        }

        await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Remove(tenant);

        // Sources first, so that none hands a page to a day table purged below.
        await Task.WhenAll(state.State.Sources.Select(name => GrainFactory.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name)).Purge()));
        var days = await PurgeDaysAsync(static _ => true);
        await GrainFactory.GetGrain<IIngestGrain>(GrainKeys.Ingest(tenant)).Purge();
        await GrainFactory.GetGrain<IApiKeyGrain>(tenant).Purge();
        await GrainFactory.GetGrain<IAuditGrain>(tenant).Purge();
        await GrainFactory.GetGrain<IAlertGrain>(GrainKeys.Tenant(tenant)).Purge();
        if (await this.GetReminder(RetentionReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await state.ClearStateAsync();
        state.State = new TenantState();
        LogDeleted(logger, tenant, days);
    }

    public async Task<IReadOnlyList<DateOnly>> EnforceRetention()
    {
        RequireExists();
        var settings = state.State.Settings!;
        var today = TenantClock.Today(TenantClock.Zone(settings.TimeZone), time);
        var oldestKept = today.AddDays(1 - settings.RetentionDays);
        var tenant = this.GetPrimaryKeyString();
        var purged = await PurgeDaysAsync(day => day < oldestKept);
        if (purged.Count > 0)
        {
            state.State.Incarnation++;
            await state.WriteStateAsync();
            LogRetention(logger, tenant, purged, oldestKept);
        }

        return purged;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RetentionReminder)
        {
            return;
        }

        if (state.State.Deleting)
        {
            await Delete();
        }
        else if (state.State.Settings is not null)
        {
            await EnforceRetention();
        }
    }

    /// <summary>
    /// Purges the tenant's day tables whose day matches; the days purged, in order. The same scan deletes the push
    /// ingest's idempotency-key journals whose keys have all expired (its grain reads only the live ones by name).
    /// </summary>
    private async Task<List<DateOnly>> PurgeDaysAsync(Func<DateOnly, bool> purge)
    {
        var tenant = this.GetPrimaryKeyString();
        var days = new List<DateOnly>();
        var now = time.GetUtcNow();
        foreach (var key in await journal.ListKeysAsync($"{tenant}/"))
        {
            if (GrainKeys.TryParseDay(key, out var owner, out var day) && owner == tenant && purge(day))
            {
                days.Add(day);
            }
            else if (IdempotencyLog.IsExpiredJournal(key, GrainKeys.Ingest(tenant), IngestGrain.KeyLifetime, now))
            {
                await journal.DeleteAsync(key);
            }
        }

        days.Sort();
        foreach (var chunk in days.Chunk(32))
        {
            await Task.WhenAll(chunk.Select(d => GrainFactory.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, d)).Purge()));
        }

        return days;
    }

    private Task<IGrainReminder> RegisterRetentionAsync() => this.RegisterOrUpdateReminder(RetentionReminder, TimeSpan.FromMinutes(1), RetentionPeriod);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant} deleted with the day tables {Days}")]
    private static partial void LogDeleted(ILogger logger, string tenant, List<DateOnly> days);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant}: retention purged the day tables {Days}, older than {OldestKept}")]
    private static partial void LogRetention(ILogger logger, string tenant, List<DateOnly> days, DateOnly oldestKept);

    private void RequireExists()
    {
        if (state.State.Settings is null || state.State.Deleting)
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
        else if (settings.DisplayName.Length > MaxDisplayNameLength)
        {
            problems.Add($"displayName is {settings.DisplayName.Length} characters; at most {MaxDisplayNameLength}");
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
