using System.Text;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Support;

/// <summary>What the engine holds after reading a shared/bench style folder, the way <c>pulso compute</c> composes it.</summary>
internal sealed class LoadedData
{
    public required GestionAggregate Aggregate { get; init; }

    public required Dictionary<string, TenantCube> Cubes { get; init; }

    public required Dictionary<string, HomologationTable> Homologation { get; init; }

    public HomologationTable MappingOf(string cliente) => Homologation.GetValueOrDefault(cliente) ?? HomologationTable.Empty;
}

/// <summary>Short ways to drive the engine from tests.</summary>
internal static class TheEngine
{
    public static readonly DateOnly AllTime = DateOnly.MinValue;

    public static LoadedData Load(string folder, int parallelism = 1)
    {
        Dictionary<string, HomologationTable> homologation;
        using (var reader = new CsvReader(File.OpenRead(Path.Combine(folder, "homologacion.csv")), "homologacion.csv"))
        {
            homologation = HomologationCsv.ReadTables(reader);
        }

        var aggregate = GestionAggregator.AggregateFile(Path.Combine(folder, "gestiones.csv"), parallelism);
        var cubes = new Dictionary<string, TenantCube>(aggregate.Cubes, StringComparer.Ordinal);
        using (var reader = new CsvReader(File.OpenRead(Path.Combine(folder, "jornadas.csv")), "jornadas.csv"))
        {
            JornadaCsv.Read(reader, j =>
            {
                if (!cubes.TryGetValue(j.Cliente, out var cube))
                {
                    cubes[j.Cliente] = cube = new TenantCube(j.Cliente);
                }

                cube.GetOrCreate(j.Fecha).SetJornada(Encoding.UTF8.GetBytes(j.Ejecutivo), j.HorasCents);
            });
        }

        return new LoadedData { Aggregate = aggregate, Cubes = cubes, Homologation = homologation };
    }

    public static Dictionary<string, HomologationTable> Homologation(string csv)
    {
        using var reader = new CsvReader(CsvText.Stream(csv), "homologacion.csv");
        return HomologationCsv.ReadTables(reader);
    }

    /// <summary>A mapping from (tipificación, categoría, es_contacto, es_compromiso) rules.</summary>
    public static HomologationTable Mapping(params (string Tipificacion, string Categoria, bool EsContacto, bool EsCompromiso)[] rules) =>
        HomologationTable.Create(rules.Select(r => new HomologationRule(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)));

    /// <summary>CONTACTO TITULAR (contact), PROMESA DE PAGO (contact, commitment), NO CONTESTA (neither).</summary>
    public static HomologationTable StandardMapping() => Mapping(
        ("CONTACTO TITULAR", "CONTACTO_DIRECTO", true, false),
        ("PROMESA DE PAGO", "PROMESA_PAGO", true, true),
        ("NO CONTESTA", "NO_CONTACTO", false, false));

    public static QueryResult Query(
        IEnumerable<MetricTable> tables,
        HomologationTable homologation,
        IReadOnlyList<Dimension> groupBy,
        IReadOnlyList<string>? metrics = null,
        IReadOnlyDictionary<Dimension, IReadOnlyList<string>>? filters = null,
        MetricCatalog? catalog = null,
        DateOnly? from = null,
        DateOnly? to = null)
    {
        var query = new MetricQuery(
            from ?? DateOnly.MinValue,
            to ?? DateOnly.MaxValue,
            groupBy,
            metrics ?? [],
            filters ?? new Dictionary<Dimension, IReadOnlyList<string>>());
        return QueryEvaluator.Evaluate(tables, query, homologation, catalog ?? MetricCatalog.Builtin);
    }

    public static IReadOnlyDictionary<Dimension, IReadOnlyList<string>> Filters(params (Dimension Dimension, string[] Values)[] filters) =>
        filters.ToDictionary(f => f.Dimension, f => (IReadOnlyList<string>)f.Values);
}
