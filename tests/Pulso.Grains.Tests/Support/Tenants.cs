using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Tests.Support;

/// <summary>Fresh tenants for each test, with a homologation that maps all but one of the generated tipificaciones.</summary>
internal static class Tenants
{
    public static readonly IReadOnlyList<HomologationRuleContract> Homologation =
    [
        new("CONTACTO TITULAR", "CONTACTO_DIRECTO", EsContacto: true, EsCompromiso: false),
        new("PROMESA DE PAGO", "PROMESA_PAGO", EsContacto: true, EsCompromiso: true),
        new("NO CONTESTA", "NO_CONTACTO", EsContacto: false, EsCompromiso: false),
        new("YA PAGÓ", "YA_PAGO", EsContacto: true, EsCompromiso: false),
        new("NUMERO ERRADO", "NUMERO_ERRADO", EsContacto: false, EsCompromiso: false),
    ];

    /// <summary>Tenant-defined metrics of every kind.</summary>
    public static readonly IReadOnlyList<MetricDefinitionContract> Metrics =
    [
        new("promesas_sms", "count", WhereCategoria: ["PROMESA_PAGO"], WhereCanal: ["SMS"]),
        new("saldo_llamada", "sum", WhereCanal: ["LLAMADA"], Field: "saldo"),
        new("deudores_contactados", "distinct", WhereCategoria: ["CONTACTO_DIRECTO", "PROMESA_PAGO"], Field: "documento"),
        new("promesas_por_contacto", "ratio", Numerator: "compromisos", Denominator: "contactos", Scale: 100m),
        new("promesas_sms_por_hora", "per_hour", Metric: "promesas_sms"),
    ];

    /// <summary>A tenant id nobody used before: <c>t-</c> and 18 hex digits.</summary>
    public static string NewId() => $"t-{Guid.NewGuid():N}"[..20];

    public static async Task<string> CreateAsync(IGrainFactory grains, IReadOnlyList<MetricDefinitionContract>? metrics = null)
    {
        var id = NewId();
        var tenant = grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(id));
        Assert.True(await tenant.Create(TenantSettings.Default(id) with { Metrics = metrics ?? [] }));
        Assert.Empty(await tenant.SetHomologation(Homologation));
        return id;
    }
}
