using System.Text.RegularExpressions;
using Pulso.Grains.Abstractions.Sources;

namespace Pulso.Grains.Sources;

/// <summary>
/// What to read from one feed: the source's columns to select (each DESIGN 2.1/2.2 field through the column
/// mapping, a field not mapped keeping its own name) and the columns that order rows for the watermark (the
/// watermark column, then the columns breaking its ties: <c>gestion_id</c> for gestiones, ejecutivo and fecha for
/// jornadas). Every name is checked here, so nothing but a plain identifier ever reaches a query.
/// </summary>
public sealed partial class FeedPlan
{
    public static readonly IReadOnlyList<string> GestionFields =
        ["gestion_id", "cliente", "fecha", "documento", "ejecutivo", "tipificacion", "saldo", "dias_mora", "canal"];

    public static readonly IReadOnlyList<string> JornadaFields = ["cliente", "ejecutivo", "fecha", "horas_trabajadas"];

    private readonly Dictionary<string, int> _fieldIndex;

    private FeedPlan(string feed, bool jornadas, SourceFeed config, IReadOnlyList<string> columns, Dictionary<string, int> fieldIndex, int[] positionColumns)
    {
        Feed = feed;
        IsJornadas = jornadas;
        Config = config;
        Columns = columns;
        _fieldIndex = fieldIndex;
        PositionColumns = positionColumns;
    }

    /// <summary><see cref="FeedWatermark.GestionesFeed"/> or <see cref="FeedWatermark.JornadasFeed"/>.</summary>
    public string Feed { get; }

    public bool IsJornadas { get; }

    public SourceFeed Config { get; }

    /// <summary>The source's column names to read, each once.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Indexes into <see cref="Columns"/> of the watermark column and its tie-breakers, in order.</summary>
    public IReadOnlyList<int> PositionColumns { get; }

    /// <summary>The index in <see cref="Columns"/> of a DESIGN field, or -1 when it is not read (an unmapped cliente).</summary>
    public int IndexOf(string field) => _fieldIndex.GetValueOrDefault(field, -1);

    /// <summary>
    /// The plan of a feed, or the problems of its configuration, each naming the setting
    /// (<paramref name="name"/>.columns.fecha, <paramref name="name"/>.watermarkColumn, ...).
    /// </summary>
    public static FeedPlan? Create(string name, SourceFeed feed, bool jornadas, bool requireWatermark, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var fields = jornadas ? JornadaFields : GestionFields;
        var mapping = feed.Columns ?? new Dictionary<string, string>();
        foreach (var key in mapping.Keys.Where(k => !fields.Contains(k)))
        {
            problems.Add($"{name}.columns: '{key}' is not a field of {(jornadas ? "jornadas" : "gestiones")} ({string.Join(", ", fields)})");
        }

        var columns = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        int Add(string column)
        {
            var at = columns.IndexOf(column);
            if (at < 0)
            {
                at = columns.Count;
                columns.Add(column);
            }

            return at;
        }

        foreach (var field in fields)
        {
            // cliente is read only when mapped: a tenant's own table rarely names the tenant.
            if (field == "cliente" && !mapping.ContainsKey("cliente"))
            {
                continue;
            }

            var column = mapping.GetValueOrDefault(field, field);
            if (!IsColumnName(column))
            {
                problems.Add($"{name}.columns.{field}: '{column}' is not a valid column name ({ColumnRule})");
                continue;
            }

            index[field] = Add(column);
        }

        var watermark = feed.WatermarkColumn ?? (jornadas ? null : mapping.GetValueOrDefault("gestion_id", "gestion_id"));
        var positions = new List<int>();
        if (watermark is null)
        {
            if (requireWatermark)
            {
                problems.Add($"{name}.watermarkColumn is required (a column that grows as rows are added: an id or a timestamp)");
            }
        }
        else if (!IsColumnName(watermark))
        {
            problems.Add($"{name}.watermarkColumn: '{watermark}' is not a valid column name ({ColumnRule})");
        }
        else
        {
            positions.Add(Add(watermark));
            var tieBreakers = jornadas ? new[] { "ejecutivo", "fecha" } : ["gestion_id"];
            foreach (var field in tieBreakers)
            {
                if (index.TryGetValue(field, out var at) && !positions.Contains(at))
                {
                    positions.Add(at);
                }
            }
        }

        if (feed.Table is not null && !IsTableName(feed.Table))
        {
            problems.Add($"{name}.table: '{feed.Table}' is not a valid table name ({TableRule})");
        }

        if (feed.Query is not null && !IsReadOnlyQuery(feed.Query))
        {
            problems.Add($"{name}.query must be one SELECT (or WITH ... SELECT) statement without ';' or comments");
        }

        if (feed.Table is not null && feed.Query is not null)
        {
            problems.Add($"{name}: give table or query, not both");
        }

        return problems.Count > before ? null : new FeedPlan(jornadas ? FeedWatermark.JornadasFeed : FeedWatermark.GestionesFeed, jornadas, feed, columns, index, [.. positions]);
    }

    public const string ColumnRule = "letters, digits, '_' and '$', starting with a letter or '_', at most 63 characters";

    public const string TableRule = "one to three dot-separated names of letters, digits, '_', '$' and '-', each starting with a letter or '_'";

    public static bool IsColumnName(string? name) => name is not null && ColumnPattern().IsMatch(name);

    public static bool IsTableName(string? name) => name is not null && name.Split('.') is { Length: >= 1 and <= 3 } parts && parts.All(p => TablePartPattern().IsMatch(p));

    /// <summary>The dot-separated parts of a valid table name.</summary>
    public static IReadOnlyList<string> TableParts(string table) => table.Split('.');

    private static bool IsReadOnlyQuery(string query)
    {
        var text = query.Trim();
        return (text.StartsWith("select ", StringComparison.OrdinalIgnoreCase) || text.StartsWith("with ", StringComparison.OrdinalIgnoreCase)
                || text.StartsWith("select\n", StringComparison.OrdinalIgnoreCase))
            && !text.Contains(';', StringComparison.Ordinal) && !text.Contains("--", StringComparison.Ordinal) && !text.Contains("/*", StringComparison.Ordinal);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ColumnPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TablePartPattern();
}
