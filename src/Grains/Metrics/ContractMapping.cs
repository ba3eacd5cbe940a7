using Pulso.Grains.Abstractions.Ingestion;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Metrics;

/// <summary>Conversions between the wire contracts and the engine's types (arrays are shared, not copied).</summary>
public static class ContractMapping
{
    public static GestionBatch ToGestionBatch(this DayBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var day = batch.Day.DayNumber;
        var days = new int[batch.Rows];
        Array.Fill(days, day);
        return new GestionBatch
        {
            Ejecutivos = batch.Ejecutivos,
            Canales = batch.Canales,
            Tipificaciones = batch.Tipificaciones,
            Documentos = batch.Documentos,
            DayNumber = days,
            Hora = batch.Hora,
            Ejecutivo = batch.Ejecutivo,
            Canal = batch.Canal,
            Tipificacion = batch.Tipificacion,
            Tramo = batch.Tramo,
            SaldoCents = batch.SaldoCents,
            Documento = batch.Documento,
        };
    }

    /// <summary>The rows of <paramref name="batch"/> on <paramref name="day"/> as a day batch (no jornadas).</summary>
    public static DayBatch ToDayBatch(this GestionBatch batch, string batchId, DateOnly day, IReadOnlyList<(string Ejecutivo, long HorasCents)>? jornadas = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = batch.ForDay(day.DayNumber);
        return new DayBatch(
            batchId, day, rows.Ejecutivos, rows.Canales, rows.Tipificaciones, rows.Documentos,
            rows.Hora, rows.Ejecutivo, rows.Canal, rows.Tipificacion, rows.Tramo, rows.SaldoCents, rows.Documento,
            jornadas?.Select(j => j.Ejecutivo).ToArray() ?? [],
            jornadas?.Select(j => j.HorasCents).ToArray() ?? []);
    }

    public static HomologationTable ToTable(this IEnumerable<HomologationRuleContract> rules, out IReadOnlyList<string> errors) =>
        HomologationTable.Create(rules.Select(r => new HomologationRule(r.Tipificacion, r.Categoria, r.EsContacto, r.EsCompromiso)), out errors);

    public static MetricCatalog ToCatalog(this IEnumerable<MetricDefinitionContract> definitions, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var defs = new List<MetricDefinition>();
        foreach (var d in definitions)
        {
            if (!TryKind(d.Kind, out var kind))
            {
                problems.Add($"metric '{d.Name}': kind '{d.Kind}' is not one of count, sum, distinct, ratio, per_hour");
                continue;
            }

            var where = d.WhereCategoria is null && d.WhereCanal is null ? null : new MetricWhere(d.WhereCategoria, d.WhereCanal);
            defs.Add(new MetricDefinition(d.Name, kind, where, d.Field, d.Numerator, d.Denominator, d.Scale, d.Metric));
        }

        var catalog = MetricCatalog.Create(defs, out var catalogErrors);
        problems.AddRange(catalogErrors);
        errors = problems;
        return problems.Count > 0 ? MetricCatalog.Builtin : catalog;
    }

    /// <summary>Validates names and builds the engine query; errors name the parameter.</summary>
    public static MetricQuery ToQuery(this MetricQueryContract query, MetricCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.From > query.To)
        {
            throw new ArgumentException($"from ({query.From:yyyy-MM-dd}) is after to ({query.To:yyyy-MM-dd})");
        }

        var groupBy = new List<Dimension>();
        foreach (var name in query.GroupBy)
        {
            if (!Dimensions.TryParse(name, out var d))
            {
                throw new ArgumentException($"groupBy: '{name}' is not a dimension (one of {string.Join(", ", Dimensions.All.Select(Dimensions.Name))})");
            }

            if (groupBy.Contains(d))
            {
                throw new ArgumentException($"groupBy: '{name}' appears twice");
            }

            groupBy.Add(d);
        }

        foreach (var name in query.Metrics)
        {
            if (!catalog.Contains(name))
            {
                throw new ArgumentException($"metrics: '{name}' is not a known metric");
            }
        }

        var filters = new Dictionary<Dimension, IReadOnlyList<string>>();
        foreach (var (name, values) in query.Filters)
        {
            if (!Dimensions.TryParse(name, out var d))
            {
                throw new ArgumentException($"filter: '{name}' is not a dimension");
            }

            filters[d] = values;
        }

        if (query.FromHour is < 0 or > 23 || query.ToHour is < 0 or > 23)
        {
            throw new ArgumentException("fromHour and toHour must be between 0 and 23");
        }

        if (query.From == query.To && query.FromHour > query.ToHour)
        {
            throw new ArgumentException($"fromHour ({query.FromHour}) is after toHour ({query.ToHour}) on the same day");
        }

        return new MetricQuery(query.From, query.To, groupBy, query.Metrics, filters, query.FromHour ?? 0, query.ToHour ?? 23);
    }

    public static QueryResultContract ToContract(this QueryResult result, long version)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new QueryResultContract(
            result.GroupBy.Select(Dimensions.Name).ToArray(),
            result.DimensionColumns.ToArray(),
            result.Metrics.Select(m => new MetricColumnContract(m.Name, KindName(m.Kind), m.IsBuiltin, m.Values.ToArray(), m.Nulls?.ToArray())).ToArray(),
            result.RowCount,
            version);
    }

    public static QueryResult ToResult(this QueryResultContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var groupBy = contract.GroupBy.Select(n => Dimensions.TryParse(n, out var d) ? d : throw new ArgumentException($"unknown dimension {n}")).ToArray();
        var columns = contract.Metrics.Select(m => new MetricColumn(m.Name, ParseKind(m.Kind), m.IsBuiltin, m.Values, m.Nulls)).ToArray();
        return new QueryResult(groupBy, contract.DimensionColumns, columns, contract.RowCount);
    }

    public static string KindName(MetricValueKind kind) => kind switch
    {
        MetricValueKind.Integer => "integer",
        MetricValueKind.Money => "money",
        _ => "rate",
    };

    private static MetricValueKind ParseKind(string kind) => kind switch
    {
        "integer" => MetricValueKind.Integer,
        "money" => MetricValueKind.Money,
        _ => MetricValueKind.Rate,
    };

    private static bool TryKind(string kind, out MetricKind value)
    {
        value = kind switch
        {
            "count" => MetricKind.Count,
            "sum" => MetricKind.Sum,
            "distinct" => MetricKind.Distinct,
            "ratio" => MetricKind.Ratio,
            "per_hour" => MetricKind.PerHour,
            _ => (MetricKind)(-1),
        };
        return (int)value >= 0;
    }
}
