using Orleans.Concurrency;
using Pulso.Grains.Abstractions.Live;

namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>
/// A tenant's alerts (key: the tenant id): its rules, the firing state of each rule and group, the history of firing
/// and resolving events, and the outbox of notifications not yet delivered. The live feed tells it one-way that a day
/// changed; it coalesces such notices briefly, asks the query worker for the figures of each rule's window (a call
/// down the flow) and, when a rule fires, persists the firing and its notifications in one write before sending them.
/// </summary>
[Alias("pulso.IAlertGrain")]
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>The rules with their firing groups; channel secrets left out.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<AlertRuleView>> List();

    /// <summary>One rule with its firing groups (secrets left out), or null.</summary>
    [Alias("Get"), ReadOnly]
    Task<AlertRuleView?> Get(string name);

    /// <summary>Creates or replaces a rule; the problems found, each naming its field (nothing saved unless empty).</summary>
    [Alias("Put")]
    Task<AlertPutResult> Put(AlertRule rule);

    /// <summary>Deletes a rule (notifications it already fired are still delivered); false when there was none.</summary>
    [Alias("Delete")]
    Task<bool> Delete(string name);

    /// <summary>Firing and resolving events, newest first, at most <paramref name="limit"/>.</summary>
    [Alias("History"), ReadOnly]
    Task<IReadOnlyList<AlertEvent>> History(int limit);

    /// <summary>Notifications persisted and not yet delivered (or given up), oldest first.</summary>
    [Alias("Pending"), ReadOnly]
    Task<IReadOnlyList<PendingNotification>> Pending();

    /// <summary>A day table of the tenant applied a batch (from the live feed, one-way).</summary>
    [Alias("OnDayChanged"), OneWay]
    Task OnDayChanged(DayChange change);

    /// <summary>The homologation or the tenant's metrics changed: every figure may have moved (one-way).</summary>
    [Alias("OnTenantChanged"), OneWay]
    Task OnTenantChanged();

    /// <summary>
    /// Forgets everything, pending notifications included (tenant deletion). Interleaves with an evaluation in flight,
    /// which may be waiting on the tenant grain that is deleting.
    /// </summary>
    [Alias("Purge"), AlwaysInterleave]
    Task Purge();
}
