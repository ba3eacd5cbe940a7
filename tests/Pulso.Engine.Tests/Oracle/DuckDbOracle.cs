using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Oracle;

/// <summary>
/// The spec (bench README "Semantics", DESIGN 2.5) written as DuckDB SQL over the raw CSV files: an
/// oracle that shares no code with the engine. Every value comes back scaled like the engine's
/// <see cref="MetricColumn.Values"/>: counts as is, money in cents, rates × 10^4.
/// </summary>
internal sealed class DuckDbOracle : IDisposable
{
    /// <summary>The tenant metrics both sides compute, as the engine defines them.</summary>
    public static readonly IReadOnlyList<MetricDefinition> TenantMetrics =
    [
        new("promesas_llamada", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"], ["LLAMADA"])),
        new("saldo_contactado", MetricKind.Sum, new MetricWhere(["CONTACTO_DIRECTO", "CONTACTO_INDIRECTO", "PROMESA_PAGO"]), Field: "saldo"),
        new("deudores_sms", MetricKind.Distinct, new MetricWhere(Canal: ["SMS", "WHATSAPP"]), Field: "documento"),
        new("tasa_promesa", MetricKind.Ratio, Numerator: "compromisos", Denominator: "contactos", Scale: 100),
        new("promesas_llamada_por_hora", MetricKind.PerHour, Metric: "promesas_llamada"),
        new("saldo_por_gestion", MetricKind.Ratio, Numerator: "saldo_total", Denominator: "total_gestiones"),
    ];

    public static readonly IReadOnlyList<string> MetricNames = [.. MetricCatalog.BuiltinNames, .. TenantMetrics.Select(m => m.Name)];

    private const string Schema = """
        CREATE MACRO days_in_month(y, m) AS
            CASE WHEN m = 2 THEN (CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END)
                 WHEN m IN (4, 6, 9, 11) THEN 30
                 ELSE 31 END;
        CREATE MACRO fecha_ok(f) AS coalesce(
            regexp_full_match(f, '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}')
            AND TRY_CAST(substr(f, 6, 2) AS INTEGER) BETWEEN 1 AND 12
            AND TRY_CAST(substr(f, 9, 2) AS INTEGER) BETWEEN 1 AND days_in_month(TRY_CAST(substr(f, 1, 4) AS INTEGER), TRY_CAST(substr(f, 6, 2) AS INTEGER))
            AND TRY_CAST(substr(f, 12, 2) AS INTEGER) <= 23
            AND TRY_CAST(substr(f, 15, 2) AS INTEGER) <= 59
            AND TRY_CAST(substr(f, 18, 2) AS INTEGER) <= 59, false);

        CREATE TABLE judged AS
        SELECT *,
            CASE WHEN NOT fecha_ok(f) THEN 'fecha_invalida'
                 WHEN d = '' THEN 'documento_vacio'
                 WHEN NOT regexp_full_match(s, '-?[0-9]+(\.[0-9]{1,2})?') THEN 'saldo_invalido'
                 WHEN NOT regexp_full_match(m, '-?[0-9]+') THEN 'dias_mora_invalido'
            END AS reason
        FROM (
            SELECT coalesce(cliente, '') AS cliente, coalesce(ejecutivo, '') AS ejecutivo, coalesce(canal, '') AS canal,
                   coalesce(tipificacion, '') AS tip_raw,
                   trim(coalesce(fecha, '')) AS f, trim(coalesce(documento, '')) AS d, coalesce(documento, '') AS documento_raw,
                   trim(coalesce(saldo, '')) AS s, trim(coalesce(dias_mora, '')) AS m
            FROM read_csv('{gestiones}', all_varchar = true, header = true, delim = ',', quote = '"', escape = '"'));

        CREATE TABLE hom AS
        SELECT coalesce(cliente, '') AS cliente, upper(trim(coalesce(tipificacion, ''))) AS k, trim(categoria) AS categoria,
               lower(trim(es_contacto)) = 'true' AS es_contacto, lower(trim(es_compromiso)) = 'true' AS es_compromiso
        FROM read_csv('{homologacion}', all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

        CREATE TABLE jor AS
        SELECT cliente, ejecutivo, trim(fecha) AS fecha, CAST(trim(horas_trabajadas) AS DECIMAL(18, 2)) AS horas
        FROM read_csv('{jornadas}', all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

        CREATE TABLE v AS
        SELECT j.cliente, j.ejecutivo, j.canal,
               substr(j.f, 1, 10) AS dia, substr(j.f, 12, 2) AS hora,
               upper(trim(j.tip_raw)) AS tipificacion,
               coalesce(h.categoria, 'SIN_HOMOLOGAR') AS categoria,
               coalesce(h.es_contacto, false) AS es_contacto,
               coalesce(h.es_compromiso, false) AS es_compromiso,
               TRY_CAST(j.s AS DECIMAL(38, 2)) AS saldo,
               j.d AS documento,
               CASE WHEN TRY_CAST(j.m AS HUGEINT) <= 30 THEN '<=30'
                    WHEN TRY_CAST(j.m AS HUGEINT) <= 60 THEN '31-60'
                    WHEN TRY_CAST(j.m AS HUGEINT) <= 90 THEN '61-90'
                    WHEN TRY_CAST(j.m AS HUGEINT) <= 180 THEN '91-180'
                    WHEN TRY_CAST(j.m AS HUGEINT) <= 360 THEN '181-360'
                    ELSE '361+' END AS tramo_mora
        FROM judged j
        LEFT JOIN hom h ON h.cliente = j.cliente AND h.k = upper(trim(j.tip_raw))
        WHERE j.reason IS NULL;
        """;

    private readonly DuckDBConnection _connection;

    public DuckDbOracle(string folder)
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        var sql = Schema
            .Replace("{gestiones}", Literal(Path.Combine(folder, "gestiones.csv"))[1..^1], StringComparison.Ordinal)
            .Replace("{homologacion}", Literal(Path.Combine(folder, "homologacion.csv"))[1..^1], StringComparison.Ordinal)
            .Replace("{jornadas}", Literal(Path.Combine(folder, "jornadas.csv"))[1..^1], StringComparison.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Rejected rows by reason.</summary>
    public Dictionary<string, long> Rejects() =>
        Rows("SELECT reason, count(*) FROM judged WHERE reason IS NOT NULL GROUP BY reason")
            .ToDictionary(r => (string)r[0]!, r => Convert.ToInt64(r[1], CultureInfo.InvariantCulture));

    public List<string> Clientes() => [.. Rows("SELECT DISTINCT cliente FROM v").Select(r => (string)r[0]!).Order(StringComparer.Ordinal)];

    /// <summary>Any scalar question about the loaded data (tables judged, v, hom, jor).</summary>
    public long Count(string sql) => Convert.ToInt64(Rows(sql)[0][0], CultureInfo.InvariantCulture);

    /// <summary>The figures of one cliente for a grouping and filters, sorted ordinally by the group columns.</summary>
    public List<OracleRow> Evaluate(string cliente, IReadOnlyList<Dimension> groupBy, IReadOnlyDictionary<Dimension, IReadOnlyList<string>> filters, DateOnly from, DateOnly to)
    {
        var keys = groupBy.Select((d, i) => $"{Column(d)} AS k{i}").Prepend("0 AS kz");
        var keyNames = string.Join(", ", groupBy.Select((_, i) => $"k{i}").Prepend("kz"));
        var join = string.Join(" AND ", groupBy.Select((_, i) => $"agg.k{i} = hrs.k{i}").Prepend("agg.kz = hrs.kz"));
        var where = new StringBuilder($"cliente = {Literal(cliente)} AND dia BETWEEN {Literal(Day(from))} AND {Literal(Day(to))}");
        foreach (var (dimension, values) in filters)
        {
            var list = string.Join(", ", values.Select(v => dimension switch
            {
                Dimension.Tipificacion => $"upper(trim({Literal(v)}))",
                Dimension.Categoria => $"trim({Literal(v)})",
                _ => Literal(v),
            }));
            where.Append(CultureInfo.InvariantCulture, $" AND {Column(dimension)} IN ({list})");
        }

        var sql = $"""
            WITH base AS (SELECT *, {string.Join(", ", keys)} FROM v WHERE {where}),
            agg AS (
                SELECT {keyNames},
                    count(*) AS total_gestiones,
                    count(*) FILTER (WHERE es_contacto) AS contactos,
                    count(*) FILTER (WHERE es_compromiso) AS compromisos,
                    CAST(sum(saldo) * 100 AS BIGINT) AS saldo_total,
                    count(DISTINCT documento) AS deudores_unicos,
                    count(*) FILTER (WHERE categoria IN ('PROMESA_PAGO') AND canal IN ('LLAMADA')) AS promesas_llamada,
                    CAST(coalesce(sum(saldo) FILTER (WHERE categoria IN ('CONTACTO_DIRECTO', 'CONTACTO_INDIRECTO', 'PROMESA_PAGO')), 0) * 100 AS BIGINT) AS saldo_contactado,
                    count(DISTINCT documento) FILTER (WHERE canal IN ('SMS', 'WHATSAPP')) AS deudores_sms
                FROM base GROUP BY {keyNames}),
            pairs AS (SELECT DISTINCT {keyNames}, ejecutivo AS pe, dia AS pd FROM base),
            hrs AS (
                SELECT {keyNames}, CAST(sum(jor.horas) * 100 AS BIGINT) AS horas
                FROM pairs JOIN jor ON jor.cliente = {Literal(cliente)} AND jor.ejecutivo = pairs.pe AND jor.fecha = pairs.pd
                GROUP BY {keyNames})
            SELECT {string.Join(", ", groupBy.Select((_, i) => $"agg.k{i}"))}{(groupBy.Count > 0 ? "," : string.Empty)}
                total_gestiones, contactos, compromisos, saldo_total, deudores_unicos,
                hrs.horas AS horas_trabajadas,
                (2 * contactos * 1000000 + total_gestiones) // (2 * total_gestiones) AS tasa_contactabilidad,
                CASE WHEN hrs.horas IS NULL OR hrs.horas = 0 THEN NULL ELSE (2 * compromisos * 1000000 + hrs.horas) // (2 * hrs.horas) END AS pdps_por_hora,
                promesas_llamada,
                saldo_contactado,
                deudores_sms,
                CASE WHEN contactos = 0 THEN NULL ELSE (2 * compromisos * 1000000 + contactos) // (2 * contactos) END AS tasa_promesa,
                CASE WHEN hrs.horas IS NULL OR hrs.horas = 0 THEN NULL ELSE (2 * promesas_llamada * 1000000 + hrs.horas) // (2 * hrs.horas) END AS promesas_llamada_por_hora,
                sign(saldo_total) * ((2 * abs(saldo_total) * 100 + total_gestiones) // (2 * total_gestiones)) AS saldo_por_gestion
            FROM agg LEFT JOIN hrs ON {join}
            """;
        var rows = Rows(sql).Select(r => new OracleRow(
            [.. r.Take(groupBy.Count).Select(v => (string)v!)],
            MetricNames.Select((name, i) => (name, r[groupBy.Count + i])).ToDictionary(x => x.name, x => x.Item2 is null ? (long?)null : Convert.ToInt64(x.Item2, CultureInfo.InvariantCulture))))
            .ToList();
        rows.Sort((a, b) =>
        {
            for (var i = 0; i < a.Keys.Length; i++)
            {
                var c = string.CompareOrdinal(a.Keys[i], b.Keys[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        });
        return rows;
    }

    public void Dispose() => _connection.Dispose();

    private List<object?[]> Rows(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string Column(Dimension dimension) => dimension switch
    {
        Dimension.Dia => "dia",
        Dimension.Hora => "hora",
        Dimension.Ejecutivo => "ejecutivo",
        Dimension.Canal => "canal",
        Dimension.Tipificacion => "tipificacion",
        Dimension.Categoria => "categoria",
        _ => "tramo_mora",
    };

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>One group of the oracle: its key values and every metric, scaled like the engine's, null where absent.</summary>
internal sealed record OracleRow(string[] Keys, Dictionary<string, long?> Values);
