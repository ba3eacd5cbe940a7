namespace Pulso.Grains.Abstractions.Ingestion;

/// <summary>
/// A rejected row as kept in a tenant's quarantine: what it was (<c>gestiones</c> or <c>jornadas</c>), where it
/// came from, its line in the body, why (the reason's wire name), its fields as read and when it arrived.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.QuarantinedRow")]
public sealed record QuarantinedRow(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Source,
    [property: Id(2)] long Line,
    [property: Id(3)] string Reason,
    [property: Id(4)] IReadOnlyDictionary<string, string> Fields,
    [property: Id(5)] DateTimeOffset ReceivedAt);
