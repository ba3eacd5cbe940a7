namespace Pulso.Grains.Abstractions.Tenancy;

/// <summary>A tenant's settings (DESIGN 5): display name, IANA time zone, retention and its own metrics.</summary>
[GenerateSerializer, Immutable, Alias("pulso.TenantSettings")]
public sealed record TenantSettings(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] string TimeZone,
    [property: Id(2)] int RetentionDays,
    [property: Id(3)] IReadOnlyList<MetricDefinitionContract> Metrics)
{
    public static TenantSettings Default(string tenant) => new(tenant, "America/Lima", 400, []);
}

/// <summary>A tenant-defined metric as stored (DESIGN 2.5).</summary>
[GenerateSerializer, Immutable, Alias("pulso.MetricDefinition")]
public sealed record MetricDefinitionContract(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] IReadOnlyList<string>? WhereCategoria = null,
    [property: Id(3)] IReadOnlyList<string>? WhereCanal = null,
    [property: Id(4)] string? Field = null,
    [property: Id(5)] string? Numerator = null,
    [property: Id(6)] string? Denominator = null,
    [property: Id(7)] decimal? Scale = null,
    [property: Id(8)] string? Metric = null);

/// <summary>One homologation rule as given by the tenant.</summary>
[GenerateSerializer, Immutable, Alias("pulso.HomologationRule")]
public sealed record HomologationRuleContract(
    [property: Id(0)] string Tipificacion,
    [property: Id(1)] string Categoria,
    [property: Id(2)] bool EsContacto,
    [property: Id(3)] bool EsCompromiso);

/// <summary>
/// A tenant as queries see it. <see cref="Incarnation"/> changes whenever data is removed (the tenant re-created, days
/// purged by retention): day-table versions restart after a purge, so answers kept by version alone would go stale.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.TenantQueryContext")]
public sealed record TenantQueryContext(
    [property: Id(0)] TenantSettings Settings,
    [property: Id(1)] IReadOnlyList<HomologationRuleContract> Homologation,
    [property: Id(2)] long Incarnation);
