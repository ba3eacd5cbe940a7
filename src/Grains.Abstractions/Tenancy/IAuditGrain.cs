using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>
/// A tenant's audit log (key: the tenant id): who changed settings, homologation, API keys (and later sources and
/// alerts), when, and with what outcome. Bounded: the oldest entries make room for new ones.
/// </summary>
[Alias("pulso.IAuditGrain")]
public interface IAuditGrain : IGrainWithStringKey
{
    [Alias("Append")]
    Task Append(AuditEntry entry);

    /// <summary>The most recent entries, newest first, at most <paramref name="limit"/>.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<AuditEntry>> List(int limit);

    /// <summary>Forgets the log (tenant deletion).</summary>
    [Alias("Purge")]
    Task Purge();
}

/// <summary>
/// One admin action: when, who (<c>sub</c> of a token or <c>apikey:id</c>), in which role, what (<c>PUT homologation</c>),
/// on what (<c>/api/v1/tenants/acme/homologation</c>) and the HTTP status it got.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Role,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] int Status);
