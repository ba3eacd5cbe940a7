using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Pulso.Grains.Metrics;

/// <summary>How a metric's values are typed and printed.</summary>
public enum MetricValueKind
{
    /// <summary>A count: int64, printed as an integer.</summary>
    Integer,

    /// <summary>Money or hours: exact cents, printed with 2 decimals; Arrow decimal128(20,2).</summary>
    Money,

    /// <summary>A rate rounded half away from zero to 4 places; Arrow decimal128(12,4) (built-in) or (20,4) (tenant-defined).</summary>
    Rate,
}

internal enum MetricOp
{
    Count,
    Sum,
    Distinct,
    Horas,
    Ratio,
    PerHour,
}

internal enum CellFlag
{
    None,
    Contacto,
    Compromiso,
}

/// <summary>The row condition of a base metric, compiled: all given lists must match.</summary>
internal sealed record CellPredicate(FrozenSet<string>? Categorias, FrozenSet<string>? Canales, CellFlag Flag)
{
    public static readonly CellPredicate All = new(null, null, CellFlag.None);

    public bool IsAll => Categorias is null && Canales is null && Flag == CellFlag.None;
}

/// <summary>A metric compiled for evaluation.</summary>
internal sealed class MetricNode
{
    public required string Name { get; init; }

    public required MetricOp Op { get; init; }

    public required MetricValueKind Kind { get; init; }

    public bool IsBuiltin { get; init; }

    public CellPredicate Predicate { get; init; } = CellPredicate.All;

    public MetricNode? Left { get; set; }

    public MetricNode? Right { get; set; }

    /// <summary>Ratio scale × 10^4.</summary>
    public long ScaleTimes10K { get; init; } = 10_000;

    /// <summary>Decimal places of the stored value: 0 counts, 2 money, 4 rates.</summary>
    public int Decimals => Kind switch
    {
        MetricValueKind.Integer => 0,
        MetricValueKind.Money => 2,
        _ => 4,
    };
}

/// <summary>
/// The metrics a tenant can ask for: the built-ins of DESIGN 2.5 plus its own definitions,
/// validated (snake_case names, no clash with built-ins or dimensions, known references, no cycles).
/// </summary>
public sealed partial class MetricCatalog
{
    /// <summary>The built-in metrics in their default order (the columns of the bench metrics.csv).</summary>
    public static readonly IReadOnlyList<string> BuiltinNames =
    [
        "total_gestiones", "contactos", "compromisos", "saldo_total", "deudores_unicos",
        "horas_trabajadas", "tasa_contactabilidad", "pdps_por_hora",
    ];

    private const long MaxScaleTimes10K = 1_000_000L * 10_000;

    private readonly Dictionary<string, MetricNode> _nodes;

    private MetricCatalog(Dictionary<string, MetricNode> nodes, IReadOnlyList<MetricDefinition> definitions)
    {
        _nodes = nodes;
        Definitions = definitions;
    }

    /// <summary>The catalog with the built-in metrics only.</summary>
    public static MetricCatalog Builtin { get; } = new(BuildBuiltins(), []);

    /// <summary>The tenant-defined metrics, as given.</summary>
    public IReadOnlyList<MetricDefinition> Definitions { get; }

    public bool Contains(string name) => _nodes.ContainsKey(name);

    public MetricValueKind KindOf(string name) => _nodes[name].Kind;

    internal MetricNode Get(string name) => _nodes[name];

    /// <summary>Validates tenant definitions; on any error returns <see cref="Builtin"/> and lists the errors, each naming the metric.</summary>
    public static MetricCatalog Create(IEnumerable<MetricDefinition> definitions, out IReadOnlyList<string> errors)
    {
        var defs = definitions.ToList();
        var problems = new List<string>();
        var byName = new Dictionary<string, MetricDefinition>(StringComparer.Ordinal);
        foreach (var def in defs)
        {
            var name = def.Name ?? string.Empty;
            if (!NamePattern().IsMatch(name))
            {
                problems.Add($"metric '{name}': name must be snake_case (a-z, 0-9, _; starting with a letter; at most 64 characters)");
            }
            else if (BuiltinNames.Contains(name))
            {
                problems.Add($"metric '{name}': clashes with the built-in metric of that name");
            }
            else if (Dimensions.TryParse(name, out _) || name == "cliente")
            {
                problems.Add($"metric '{name}': clashes with the dimension of that name");
            }
            else if (!byName.TryAdd(name, def))
            {
                problems.Add($"metric '{name}': defined twice");
            }
        }

        foreach (var def in byName.Values)
        {
            CheckShape(def, byName, problems);
        }

        if (problems.Count == 0)
        {
            FindCycles(byName, problems);
        }

        if (problems.Count > 0)
        {
            errors = problems;
            return Builtin;
        }

        var nodes = BuildBuiltins();
        foreach (var def in byName.Values)
        {
            nodes[def.Name] = Compile(def);
        }

        foreach (var def in byName.Values)
        {
            var node = nodes[def.Name];
            switch (def.Kind)
            {
                case MetricKind.Ratio:
                    node.Left = nodes[def.Numerator!];
                    node.Right = nodes[def.Denominator!];
                    break;
                case MetricKind.PerHour:
                    node.Left = nodes[def.Metric!];
                    node.Right = nodes["horas_trabajadas"];
                    break;
            }
        }

        errors = [];
        return new MetricCatalog(nodes, defs);
    }

    /// <summary>Builds a catalog or throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static MetricCatalog Create(IEnumerable<MetricDefinition> definitions)
    {
        var catalog = Create(definitions, out var errors);
        return errors.Count > 0 ? throw new ArgumentException(string.Join("; ", errors), nameof(definitions)) : catalog;
    }

    private static void CheckShape(MetricDefinition def, Dictionary<string, MetricDefinition> byName, List<string> problems)
    {
        var prefix = $"metric '{def.Name}'";
        bool Known(string? name) => name is not null && (BuiltinNames.Contains(name) || byName.ContainsKey(name));
        void Refuse(bool present, string field)
        {
            if (present)
            {
                problems.Add($"{prefix}: '{field}' does not apply to kind {KindName(def.Kind)}");
            }
        }

        switch (def.Kind)
        {
            case MetricKind.Count or MetricKind.Sum or MetricKind.Distinct:
                var wantField = def.Kind switch { MetricKind.Sum => "saldo", MetricKind.Distinct => "documento", _ => null };
                if (wantField is null)
                {
                    Refuse(def.Field is not null, "field");
                }
                else if (def.Field != wantField)
                {
                    problems.Add($"{prefix}: kind {KindName(def.Kind)} needs \"field\": \"{wantField}\"");
                }

                if (def.Where is { } where)
                {
                    if (where.Categoria is null && where.Canal is null)
                    {
                        problems.Add($"{prefix}: 'where' needs 'categoria' and/or 'canal'");
                    }

                    CheckList(where.Categoria, "categoria");
                    CheckList(where.Canal, "canal");
                }

                Refuse(def.Numerator is not null, "numerator");
                Refuse(def.Denominator is not null, "denominator");
                Refuse(def.Scale is not null, "scale");
                Refuse(def.Metric is not null, "metric");
                break;
            case MetricKind.Ratio:
                if (!Known(def.Numerator))
                {
                    problems.Add($"{prefix}: numerator '{def.Numerator}' is not a known metric");
                }

                if (!Known(def.Denominator))
                {
                    problems.Add($"{prefix}: denominator '{def.Denominator}' is not a known metric");
                }

                if (def.Scale is { } scale && (scale <= 0 || scale * 10_000 != decimal.Truncate(scale * 10_000) || scale * 10_000 > MaxScaleTimes10K))
                {
                    problems.Add($"{prefix}: scale must be positive, at most 1000000, with at most 4 decimal places");
                }

                Refuse(def.Where is not null, "where");
                Refuse(def.Field is not null, "field");
                Refuse(def.Metric is not null, "metric");
                break;
            case MetricKind.PerHour:
                if (!Known(def.Metric))
                {
                    problems.Add($"{prefix}: metric '{def.Metric}' is not a known metric");
                }

                Refuse(def.Where is not null, "where");
                Refuse(def.Field is not null, "field");
                Refuse(def.Numerator is not null, "numerator");
                Refuse(def.Denominator is not null, "denominator");
                Refuse(def.Scale is not null, "scale");
                break;
            default:
                problems.Add($"{prefix}: unknown kind");
                break;
        }

        void CheckList(IReadOnlyList<string>? values, string field)
        {
            if (values is not null && (values.Count == 0 || values.Any(string.IsNullOrWhiteSpace)))
            {
                problems.Add($"{prefix}: where.{field} must be a non-empty list of non-empty values");
            }
        }
    }

    private static void FindCycles(Dictionary<string, MetricDefinition> byName, List<string> problems)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var path = new List<string>();
        foreach (var name in byName.Keys)
        {
            if (Visit(name))
            {
                return;
            }
        }

        bool Visit(string name)
        {
            if (!byName.TryGetValue(name, out var def))
            {
                return false; // built-in
            }

            if (state.TryGetValue(name, out var s))
            {
                if (s == 1)
                {
                    var start = path.IndexOf(name);
                    problems.Add($"metric '{name}': cycle {string.Join(" -> ", path.Skip(start).Append(name))}");
                    return true;
                }

                return false;
            }

            state[name] = 1;
            path.Add(name);
            foreach (var next in new[] { def.Numerator, def.Denominator, def.Metric })
            {
                if (next is not null && Visit(next))
                {
                    return true;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[name] = 2;
            return false;
        }
    }

    private static MetricNode Compile(MetricDefinition def)
    {
        var predicate = def.Where is null
            ? CellPredicate.All
            : new CellPredicate(
                def.Where.Categoria?.Select(c => c.Trim()).ToFrozenSet(StringComparer.Ordinal),
                def.Where.Canal?.ToFrozenSet(StringComparer.Ordinal),
                CellFlag.None);
        return def.Kind switch
        {
            MetricKind.Count => new MetricNode { Name = def.Name, Op = MetricOp.Count, Kind = MetricValueKind.Integer, Predicate = predicate },
            MetricKind.Sum => new MetricNode { Name = def.Name, Op = MetricOp.Sum, Kind = MetricValueKind.Money, Predicate = predicate },
            MetricKind.Distinct => new MetricNode { Name = def.Name, Op = MetricOp.Distinct, Kind = MetricValueKind.Integer, Predicate = predicate },
            MetricKind.Ratio => new MetricNode { Name = def.Name, Op = MetricOp.Ratio, Kind = MetricValueKind.Rate, ScaleTimes10K = (long)((def.Scale ?? 1m) * 10_000) },
            _ => new MetricNode { Name = def.Name, Op = MetricOp.PerHour, Kind = MetricValueKind.Rate },
        };
    }

    private static Dictionary<string, MetricNode> BuildBuiltins()
    {
        var total = new MetricNode { Name = "total_gestiones", Op = MetricOp.Count, Kind = MetricValueKind.Integer, IsBuiltin = true };
        var contactos = new MetricNode { Name = "contactos", Op = MetricOp.Count, Kind = MetricValueKind.Integer, IsBuiltin = true, Predicate = new CellPredicate(null, null, CellFlag.Contacto) };
        var compromisos = new MetricNode { Name = "compromisos", Op = MetricOp.Count, Kind = MetricValueKind.Integer, IsBuiltin = true, Predicate = new CellPredicate(null, null, CellFlag.Compromiso) };
        var horas = new MetricNode { Name = "horas_trabajadas", Op = MetricOp.Horas, Kind = MetricValueKind.Money, IsBuiltin = true };
        var nodes = new Dictionary<string, MetricNode>(StringComparer.Ordinal)
        {
            [total.Name] = total,
            [contactos.Name] = contactos,
            [compromisos.Name] = compromisos,
            ["saldo_total"] = new MetricNode { Name = "saldo_total", Op = MetricOp.Sum, Kind = MetricValueKind.Money, IsBuiltin = true },
            ["deudores_unicos"] = new MetricNode { Name = "deudores_unicos", Op = MetricOp.Distinct, Kind = MetricValueKind.Integer, IsBuiltin = true },
            [horas.Name] = horas,
            ["tasa_contactabilidad"] = new MetricNode { Name = "tasa_contactabilidad", Op = MetricOp.Ratio, Kind = MetricValueKind.Rate, IsBuiltin = true, Left = contactos, Right = total, ScaleTimes10K = 100 * 10_000 },
            ["pdps_por_hora"] = new MetricNode { Name = "pdps_por_hora", Op = MetricOp.PerHour, Kind = MetricValueKind.Rate, IsBuiltin = true, Left = compromisos, Right = horas },
        };
        return nodes;
    }

    private static string KindName(MetricKind kind) => kind switch
    {
        MetricKind.Count => "count",
        MetricKind.Sum => "sum",
        MetricKind.Distinct => "distinct",
        MetricKind.Ratio => "ratio",
        _ => "per_hour",
    };

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
