using System.Globalization;
using System.Text;
using Pulso.Engine.Tests.Cli;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Oracle;

/// <summary>Generated bench-style data (seeded), loaded once by the engine and once by DuckDB.</summary>
public sealed class OracleData : IDisposable
{
    private readonly TempFolder _folder = new();

    public OracleData()
    {
        Generator = BenchDataGenerator.WriteAll(_folder.Path, seed: 20260105, rows: 6000);
        Engine = TheEngine.Load(_folder.Path);
        Oracle = new DuckDbOracle(_folder.Path);
        Catalog = MetricCatalog.Create(DuckDbOracle.TenantMetrics);
    }

    public string Folder => _folder.Path;

    internal BenchDataGenerator Generator { get; }

    internal LoadedData Engine { get; }

    internal DuckDbOracle Oracle { get; }

    internal MetricCatalog Catalog { get; }

    public void Dispose()
    {
        Oracle.Dispose();
        _folder.Dispose();
    }
}

public sealed class OracleTests(OracleData data) : IClassFixture<OracleData>
{
    /// <summary>Groupings, filters as the gateway receives them (<c>dimension:v1,v2</c>, RFC 4180 values) and day ranges.</summary>
    public static TheoryData<string, string[], string?, string?> Queries => new()
    {
        { "ejecutivo,dia", [], null, null },
        { "canal", [], null, null },
        { "hora", [], null, null },
        { "categoria", [], null, null },
        { "tramo_mora", [], null, null },
        { "tipificacion", [], null, null },
        { "canal,categoria", [], null, null },
        { "dia,hora,canal", [], null, null },
        { string.Empty, [], null, null },
        { "ejecutivo,dia,tipificacion,categoria,tramo_mora,hora,canal", [], null, null },
        { "tipificacion,ejecutivo", ["canal:LLAMADA,SMS"], null, null },
        { "categoria,canal", ["tipificacion:\"APAGADO, FUERA DE SERVICIO\",  promesa de pago ,\"10 - MENSAJE \"\"DEJADO\"\"\",Buzón de voz"], null, null },
        { "ejecutivo", ["ejecutivo:\"EQUIPO, SUR\",EJ0001,ej0001,ÑANDU 01"], null, null },
        { "dia", ["hora:00,08,09,10,23", "tramo_mora:<=30,361+"], null, null },
        { string.Empty, ["dia:2026-01-06,2024-02-29", "categoria:SIN_HOMOLOGAR"], null, null },
        { "tramo_mora,canal", ["categoria:PROMESA_PAGO, CONTACTO_DIRECTO "], null, null },
        { "dia,ejecutivo", ["ejecutivo:EJ0002", "canal:VISITA,EMAIL"], null, null },
        { "hora,ejecutivo", [], "2026-01-06", "2026-01-08" },
        { "categoria", ["canal:SMS"], "2024-02-29", "2024-02-29" },
        { "canal", ["ejecutivo:nadie"], null, null },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void EngineEqualsTheSqlOracle(string groupBy, string[] filters, string? from, string? to)
    {
        var dimensions = groupBy.Length == 0 ? [] : groupBy.Split(',').Select(ParseDimension).ToArray();
        var parsedFilters = filters.Select(CsvText.Filter).ToDictionary(f => ParseDimension(f.Dimension), f => (IReadOnlyList<string>)f.Values);
        var fromDay = from is null ? DateOnly.MinValue : DateOnly.ParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var toDay = to is null ? DateOnly.MaxValue : DateOnly.ParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var compared = 0;

        foreach (var cliente in BenchDataGenerator.Clientes)
        {
            var expected = data.Oracle.Evaluate(cliente, dimensions, parsedFilters, fromDay, toDay);
            var actual = TheEngine.Query(
                data.Engine.Cubes[cliente].Tables, data.Engine.MappingOf(cliente), dimensions, DuckDbOracle.MetricNames, parsedFilters, data.Catalog, fromDay, toDay);

            var where = $"cliente {cliente}, groupBy [{groupBy}], filters [{string.Join("; ", filters)}]";
            Assert.True(expected.Count == actual.RowCount, $"{where}: the oracle has {expected.Count} groups, the engine {actual.RowCount}");
            for (var r = 0; r < expected.Count; r++)
            {
                var keys = actual.DimensionColumns.Select(c => c[r]).ToArray();
                Assert.True(expected[r].Keys.SequenceEqual(keys), $"{where}: row {r} is [{string.Join("|", keys)}] in the engine, [{string.Join("|", expected[r].Keys)}] in the oracle");
                foreach (var column in actual.Metrics)
                {
                    long? value = column.IsNull(r) ? null : column.Values[r];
                    var want = expected[r].Values[column.Name];
                    Assert.True(want == value, $"{where}: group [{string.Join("|", keys)}] {column.Name} is {Show(value)} in the engine, {Show(want)} in the oracle");
                }
            }

            compared += expected.Count;
        }

        if (filters.All(f => !f.StartsWith("ejecutivo:nadie", StringComparison.Ordinal)))
        {
            Assert.True(compared > 0, "the query selected nothing: it tests nothing");
        }
    }

    [Fact]
    public void RejectCountsEqualTheOracleAndTheGenerator()
    {
        var oracle = data.Oracle.Rejects();
        var expected = RejectReasons.All.ToDictionary(RejectReasons.Name, r => (long)data.Generator.ExpectedRejects.Count(e => e.Reason == r));

        Assert.Equal(expected, data.Engine.Aggregate.Rejects.ToDictionary());
        Assert.Equal(expected.Where(e => e.Value > 0).ToDictionary(), oracle);
        Assert.Equal(data.Generator.ExpectedRejects, data.Engine.Aggregate.Rejects.Rows.Select(r => (r.Line, r.Reason)));
        Assert.Equal(data.Generator.Rows, data.Engine.Aggregate.Rows);
    }

    [Fact]
    public void GeneratedDataExercisesTheRules()
    {
        var oracle = data.Oracle;

        Assert.All(RejectReasons.All, r => Assert.True(data.Engine.Aggregate.Rejects[r] > 20, $"too few {RejectReasons.Name(r)} rows"));
        Assert.True(oracle.Count("SELECT count(*) FROM v WHERE categoria = 'SIN_HOMOLOGAR'") > 50);
        Assert.True(oracle.Count("SELECT count(*) FROM v WHERE saldo < 0") > 50);
        Assert.Equal(6, oracle.Count("SELECT count(DISTINCT tramo_mora) FROM v"));
        Assert.True(oracle.Count("SELECT count(*) FROM judged WHERE reason IS NULL AND m LIKE '-%'") > 20);
        Assert.True(oracle.Count("SELECT count(DISTINCT documento) FROM v WHERE documento LIKE '0%'") > 3);
        Assert.True(oracle.Count("SELECT count(*) FROM judged WHERE tip_raw <> trim(tip_raw) AND tip_raw <> upper(tip_raw)") > 50);
        Assert.True(oracle.Count("SELECT count(*) FROM judged WHERE tip_raw LIKE '%,%' AND tip_raw LIKE '%\"%'") > 20);
        Assert.True(oracle.Count("SELECT count(*) FROM judged WHERE d <> documento_raw") > 50);
        Assert.True(oracle.Count("SELECT count(*) FROM (SELECT DISTINCT v.cliente, v.ejecutivo, v.dia FROM v ANTI JOIN jor ON jor.cliente = v.cliente AND jor.ejecutivo = v.ejecutivo AND jor.fecha = v.dia)") > 3);
        Assert.True(oracle.Count("SELECT count(*) FROM (SELECT DISTINCT v.cliente, v.ejecutivo, v.dia FROM v JOIN jor ON jor.cliente = v.cliente AND jor.ejecutivo = v.ejecutivo AND jor.fecha = v.dia WHERE jor.horas = 0)") > 3);
        Assert.True(oracle.Count("SELECT count(*) FROM v WHERE ejecutivo = 'EQUIPO, SUR'") > 50);
        Assert.True(oracle.Count("SELECT count(*) FROM v WHERE dia = '2024-02-29'") > 50);
        Assert.Equal(BenchDataGenerator.Clientes.Order(StringComparer.Ordinal), oracle.Clientes());
    }

    [Fact]
    public void CliMetricsEqualTheOracle()
    {
        using var output = new TempFolder();

        var run = Compute.Run(data.Folder, output.Path, 2);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var expected = new StringBuilder("cliente,ejecutivo,dia,total_gestiones,contactos,compromisos,saldo_total,deudores_unicos,horas_trabajadas,tasa_contactabilidad,pdps_por_hora\n");
        foreach (var cliente in BenchDataGenerator.Clientes.Order(StringComparer.Ordinal))
        {
            foreach (var row in data.Oracle.Evaluate(cliente, [Dimension.Ejecutivo, Dimension.Dia], new Dictionary<Dimension, IReadOnlyList<string>>(), DateOnly.MinValue, DateOnly.MaxValue))
            {
                var v = row.Values;
                expected.Append(CsvText.Line(
                    cliente,
                    row.Keys[0],
                    row.Keys[1],
                    Fixed(v["total_gestiones"], 0),
                    Fixed(v["contactos"], 0),
                    Fixed(v["compromisos"], 0),
                    Fixed(v["saldo_total"], 2),
                    Fixed(v["deudores_unicos"], 0),
                    Fixed(v["horas_trabajadas"], 2),
                    Fixed(v["tasa_contactabilidad"], 4),
                    Fixed(v["pdps_por_hora"], 4))).Append('\n');
            }
        }

        Assert.Equal(expected.ToString(), File.ReadAllText(output.File("metrics.csv")));
        var rejects = data.Oracle.Rejects();
        Assert.Equal(
            "reason,count\n" + string.Concat(RejectReasons.All.Select(r => $"{RejectReasons.Name(r)},{rejects.GetValueOrDefault(RejectReasons.Name(r))}\n")),
            File.ReadAllText(output.File("rejects.csv")));
    }

    private static string Fixed(long? scaled, int decimals) =>
        scaled is null ? string.Empty : (scaled.Value / (decimal)Math.Pow(10, decimals)).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Show(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";

    private static Dimension ParseDimension(string name) =>
        Dimensions.TryParse(name, out var dimension) ? dimension : throw new ArgumentException($"unknown dimension '{name}'", nameof(name));
}
