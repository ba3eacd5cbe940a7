namespace Pulso.Grains.Abstractions.Alerts;

/// <summary>The answer to saving a rule: whether it is new, and the problems that kept it from being saved.</summary>
[GenerateSerializer, Immutable, Alias("pulso.AlertPutResult")]
public sealed record AlertPutResult(
    [property: Id(0)] bool Created,
    [property: Id(1)] IReadOnlyList<string> Problems);
