using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Persistence;

namespace Pulso.Grains.Tenancy;

/// <summary>What an audit grain persists (Orleans binary serializer; ids are a storage contract).</summary>
[GenerateSerializer, Alias("pulso.AuditState")]
public sealed class AuditState
{
    public const int CurrentFormat = 1;

    [Id(0)]
    public int FormatVersion { get; set; } = CurrentFormat;

    /// <summary>Oldest first, at most <see cref="AuditGrain.Capacity"/>.</summary>
    [Id(1)]
    public List<AuditEntry> Entries { get; set; } = [];
}

/// <summary>A tenant's audit log, persisted entry by entry: admin actions are rare next to ingest.</summary>
public sealed class AuditGrain([PersistentState("audit", "pulso")] IPersistentState<AuditState> state) : Grain, IAuditGrain
{
    /// <summary>Entries kept per tenant.</summary>
    public const int Capacity = 10_000;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.FormatVersion > AuditState.CurrentFormat)
        {
            throw new UnsupportedFormatVersionException("audit state", state.State.FormatVersion, AuditState.CurrentFormat);
        }

        return Task.CompletedTask;
    }

    public async Task Append(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var entries = state.State.Entries;
        if (entries.Count >= Capacity)
        {
            entries.RemoveRange(0, entries.Count - Capacity + 1);
        }

        entries.Add(entry);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<AuditEntry>> List(int limit)
    {
        var entries = state.State.Entries;
        var take = Math.Clamp(limit, 0, entries.Count);
        var newest = new List<AuditEntry>(take);
        for (var i = entries.Count - 1; i >= entries.Count - take; i--)
        {
            newest.Add(entries[i]);
        }

        return Task.FromResult<IReadOnlyList<AuditEntry>>(newest);
    }

    public async Task Purge()
    {
        await state.ClearStateAsync();
        state.State = new AuditState();
    }
}
