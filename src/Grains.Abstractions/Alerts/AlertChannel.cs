namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>
/// Where a firing goes: <c>email</c> (SendGrid, to the addresses in <see cref="To"/>), <c>slack</c> (an incoming
/// webhook <see cref="Url"/>) or <c>webhook</c> (a POST to <see cref="Url"/> signed with HMAC-SHA256 under
/// <see cref="Secret"/>). Slack URLs and secrets are credentials: views of a rule leave them out.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertChannel")]
public sealed record AlertChannel(
    [property: Id(0)] string Type,
    [property: Id(1)] IReadOnlyList<string>? To = null,
    [property: Id(2)] string? Url = null,
    [property: Id(3)] string? Secret = null);
