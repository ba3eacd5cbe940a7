using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts;

/// <summary>
/// What a tenant's alert grain persists, in one record (Orleans binary serializer; ids are a storage contract): the
/// rules, the firing state of each rule's groups, the history and the outbox. A firing and its notifications are
/// one write, so a crash leaves either both or neither.
/// </summary>
[GenerateSerializer, Alias("pulso.AlertState")]
public sealed class AlertState
{
    public const int CurrentFormat = 1;

    [Id(0)]
    public int FormatVersion { get; set; } = CurrentFormat;

    /// <summary>Random, fixed when the record is first written: notification ids stay unique if a tenant is deleted and made again.</summary>
    [Id(1)]
    public string Epoch { get; set; } = string.Empty;

    /// <summary>Firings so far (every rule): the last part of each notification id.</summary>
    [Id(2)]
    public long Sequence { get; set; }

    [Id(3)]
    public Dictionary<string, AlertRule> Rules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>By rule name, then by group (empty for the tenant as a whole, else the ejecutivo or canal).</summary>
    [Id(4)]
    public Dictionary<string, Dictionary<string, GroupRuntime>> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Oldest first, bounded.</summary>
    [Id(5)]
    public List<AlertEvent> History { get; set; } = [];

    /// <summary>Notifications not yet delivered, oldest first.</summary>
    [Id(6)]
    public List<OutboxEntry> Outbox { get; set; } = [];
}

/// <summary>The state of one group of one rule.</summary>
[GenerateSerializer, Alias("pulso.AlertGroupRuntime")]
public sealed class GroupRuntime
{
    [Id(0)]
    public bool Firing { get; set; }

    [Id(1)]
    public DateTimeOffset? LastFiredAt { get; set; }
}

/// <summary>A notification waiting for delivery to one channel, with everything needed to send it again.</summary>
[GenerateSerializer, Alias("pulso.AlertOutboxEntry")]
public sealed class OutboxEntry
{
    /// <summary>The firing's id: the same in every attempt and every channel, for receivers to deduplicate on.</summary>
    [Id(0)]
    public string Id { get; set; } = string.Empty;

    /// <summary>The channel as it was when the rule fired (a later edit of the rule does not redirect it).</summary>
    [Id(1)]
    public AlertChannel Channel { get; set; } = new(string.Empty);

    [Id(2)]
    public Notification Notification { get; set; } = null!;

    [Id(3)]
    public int Attempts { get; set; }

    [Id(4)]
    public DateTimeOffset NextAttemptAt { get; set; }

    [Id(5)]
    public string? LastError { get; set; }
}

/// <summary>What a notification says: which rule fired for which group, the exact figure and the threshold.</summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertNotification")]
public sealed record Notification(
    [property: Id(0)] string Id,
    [property: Id(1)] string Tenant,
    [property: Id(2)] string Rule,
    [property: Id(3)] string Metric,
    [property: Id(4)] string Scope,
    [property: Id(5)] string Group,
    [property: Id(6)] decimal? Value,
    [property: Id(7)] int Decimals,
    [property: Id(8)] string Comparator,
    [property: Id(9)] decimal Threshold,
    [property: Id(10)] string Window,
    [property: Id(11)] long Volume,
    [property: Id(12)] DateTimeOffset FiredAt,
    [property: Id(13)] string DashboardUrl);
