using System.Text.Json;
using System.Text.Json.Serialization;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Gateway.Tenancy;

/// <summary>Tenant settings as JSON (DESIGN 5): <c>{ "displayName", "timeZone", "retentionDays", "metrics": [...] }</c>.</summary>
public sealed record TenantSettingsBody(
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("timeZone")] string? TimeZone,
    [property: JsonPropertyName("retentionDays")] int? RetentionDays,
    [property: JsonPropertyName("metrics")] IReadOnlyList<MetricDefinitionBody>? Metrics)
{
    public TenantSettings ToSettings(string tenant) => new(
        DisplayName ?? tenant,
        TimeZone ?? "America/Lima",
        RetentionDays ?? 400,
        (Metrics ?? []).Select(m => m.ToContract()).ToList());

    public static TenantSettingsBody From(TenantSettings settings) => new(
        settings.DisplayName, settings.TimeZone, settings.RetentionDays, settings.Metrics.Select(MetricDefinitionBody.From).ToList());
}

/// <summary>A tenant-defined metric as JSON (DESIGN 2.5).</summary>
public sealed record MetricDefinitionBody(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("where")] WhereBody? Where = null,
    [property: JsonPropertyName("field")] string? Field = null,
    [property: JsonPropertyName("numerator")] string? Numerator = null,
    [property: JsonPropertyName("denominator")] string? Denominator = null,
    [property: JsonPropertyName("scale")] decimal? Scale = null,
    [property: JsonPropertyName("metric")] string? Metric = null)
{
    public MetricDefinitionContract ToContract() => new(Name, Kind, Where?.Categoria, Where?.Canal, Field, Numerator, Denominator, Scale, Metric);

    public static MetricDefinitionBody From(MetricDefinitionContract m) => new(
        m.Name, m.Kind, m.WhereCategoria is null && m.WhereCanal is null ? null : new WhereBody(m.WhereCategoria, m.WhereCanal), m.Field, m.Numerator, m.Denominator, m.Scale, m.Metric);
}

public sealed record WhereBody(
    [property: JsonPropertyName("categoria")] IReadOnlyList<string>? Categoria,
    [property: JsonPropertyName("canal")] IReadOnlyList<string>? Canal);

/// <summary>One homologation rule as JSON.</summary>
public sealed record HomologationRuleBody(
    [property: JsonPropertyName("tipificacion")] string Tipificacion,
    [property: JsonPropertyName("categoria")] string Categoria,
    [property: JsonPropertyName("es_contacto")] bool EsContacto,
    [property: JsonPropertyName("es_compromiso")] bool EsCompromiso);

internal static class JsonBodies
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNamingPolicy = null,
    };
}
