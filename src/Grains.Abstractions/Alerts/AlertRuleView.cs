namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>A rule as read back (credentials left out) and the groups firing now, with when the rule last fired.</summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertRuleView")]
public sealed record AlertRuleView(
    [property: Id(0)] AlertRule Rule,
    [property: Id(1)] IReadOnlyList<string> FiringGroups,
    [property: Id(2)] DateTimeOffset? LastFiredAt);
