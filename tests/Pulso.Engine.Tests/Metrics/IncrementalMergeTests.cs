using System.Text;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Homologation;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Metrics;

public sealed class IncrementalMergeTests
{
    private static readonly DateOnly[] s_days = [new(2026, 1, 5), new(2026, 1, 6), new(2026, 1, 7)];

    private static readonly HomologationTable s_mapping = TheEngine.Mapping(
        ("CONTACTO TITULAR", "CONTACTO_DIRECTO", true, false),
        ("PROMESA DE PAGO", "PROMESA_PAGO", true, true),
        ("NO CONTESTA", "NO_CONTACTO", false, false),
        ("APAGADO, FUERA DE SERVICIO", "NO_CONTACTO", false, false));

    private static readonly MetricCatalog s_catalog = MetricCatalog.Create(
    [
        new MetricDefinition("promesas_sms", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"], ["SMS"])),
        new MetricDefinition("deudores_contactados", MetricKind.Distinct, new MetricWhere(["CONTACTO_DIRECTO", "PROMESA_PAGO"]), Field: "documento"),
        new MetricDefinition("saldo_llamada", MetricKind.Sum, new MetricWhere(Canal: ["LLAMADA"]), Field: "saldo"),
        new MetricDefinition("promesas_sms_por_hora", MetricKind.PerHour, Metric: "promesas_sms"),
    ]);

    private static readonly Dimension[][] s_groupings =
    [
        [Dimension.Ejecutivo, Dimension.Dia],
        [Dimension.Canal],
        [Dimension.Hora, Dimension.TramoMora],
        [Dimension.Tipificacion, Dimension.Categoria],
        [Dimension.Dia, Dimension.Ejecutivo, Dimension.Hora, Dimension.Canal, Dimension.Tipificacion, Dimension.TramoMora],
        [],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void RandomSplitsMergedInAnyOrderEqualOneBatch(int seed)
    {
        var random = new Random(seed);
        var rows = Rows(random, 3000);
        var jornadas = Jornadas(random);
        var whole = new TenantCube("banco-a");
        Apply(whole, rows, jornadas);

        var batches = random.Next(2, 9);
        var rowBatch = rows.Select(_ => random.Next(batches)).ToArray();
        var jornadaBatch = jornadas.Select(_ => random.Next(batches)).ToArray();
        var cubes = Enumerable.Range(0, batches).Select(b => new TenantCube("banco-a")).ToArray();
        for (var b = 0; b < batches; b++)
        {
            Apply(
                cubes[b],
                rows.Where((_, i) => rowBatch[i] == b).ToList(),
                jornadas.Where((_, i) => jornadaBatch[i] == b).ToList());
        }

        // Merge in a random order, each batch into a random earlier result: any tree of merges.
        var pending = cubes.OrderBy(_ => random.Next()).ToList();
        while (pending.Count > 1)
        {
            var from = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            pending[random.Next(pending.Count)].Merge(from);
        }

        AssertSameFigures(whole.Tables, pending[0].Tables);
    }

    [Fact]
    public void MergingDayTablesIntoAnEmptyTableEqualsOneTable()
    {
        var random = new Random(77);
        var rows = Rows(random, 2000).Where(r => r.Day == s_days[0]).ToList();
        var whole = new MetricTable(s_days[0]);
        foreach (var row in rows)
        {
            row.AddTo(whole);
        }

        whole.SetJornada("EJ01"u8, 640);
        var merged = new MetricTable(s_days[0]);
        var batch = new MetricTable(s_days[0]);
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].AddTo(batch);
            if (i % 97 == 0 || i == rows.Count - 1)
            {
                merged.Merge(batch);
                batch = new MetricTable(s_days[0]);
            }
        }

        var jornada = new MetricTable(s_days[0]);
        jornada.SetJornada("EJ01"u8, 640);
        merged.Merge(jornada);

        Assert.Equal(whole.GestionCount, merged.GestionCount);
        Assert.Equal(whole.CellCount, merged.CellCount);
        Assert.Equal(whole.PairCount, merged.PairCount);
        AssertSameFigures([whole], [merged]);
    }

    [Fact]
    public void MergeReportsTheCellsItTouched()
    {
        var table = new DayTable().Add("EJ01", hora: 8).Add("EJ02", hora: 9).Table;
        var delta = new DayTable().Add("EJ02", hora: 9).Add("EJ02", hora: 9).Add("EJ03", hora: 10).Table;
        var changed = new List<int>();

        table.Merge(delta, changed);

        Assert.Equal(2, changed.Distinct().Count());
        Assert.Equal(3, table.CellCount);
        Assert.All(changed, c => Assert.InRange(c, 0, table.CellCount - 1));
        var view = new ResultView(TheEngine.Query([table], s_mapping, [Dimension.Ejecutivo], ["total_gestiones"]));
        Assert.Equal(3m, view["EJ02", "total_gestiones"]);
    }

    [Fact]
    public void MergeReportsJornadasThatChangedOnly()
    {
        var table = new DayTable().Add("EJ01").Jornada("EJ01", 800).Jornada("EJ02", 500).Table;
        var delta = new DayTable().Jornada("EJ01", 800).Jornada("EJ02", 640).Jornada("EJ03", 700).Table;
        var changed = new List<string>();

        table.Merge(delta, changedJornadas: changed);

        Assert.Equal(["EJ02", "EJ03"], changed.Order(StringComparer.Ordinal));
        var view = new ResultView(TheEngine.Query([table], s_mapping, [Dimension.Ejecutivo], ["horas_trabajadas"]));
        Assert.Equal(8.00m, view["EJ01", "horas_trabajadas"]);
    }

    [Fact]
    public void TablesOfDifferentDaysDoNotMerge()
    {
        var table = new MetricTable(s_days[0]);
        Assert.Throws<ArgumentException>(() => table.Merge(new MetricTable(s_days[1])));
    }

    [Fact]
    public void NegativeHoursAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetricTable(s_days[0]).SetJornada("EJ01"u8, -1));
    }

    private static void AssertSameFigures(IEnumerable<MetricTable> expected, IEnumerable<MetricTable> actual)
    {
        var want = expected.ToList();
        var got = actual.ToList();
        Assert.Equal(want.Select(t => (t.Day, t.GestionCount)), got.Select(t => (t.Day, t.GestionCount)));
        var metrics = MetricCatalog.BuiltinNames.Concat(s_catalog.Definitions.Select(d => d.Name)).ToList();
        foreach (var groupBy in s_groupings)
        {
            var a = CsvResultWriter.ToCsv(TheEngine.Query(want, s_mapping, groupBy, metrics, catalog: s_catalog));
            var b = CsvResultWriter.ToCsv(TheEngine.Query(got, s_mapping, groupBy, metrics, catalog: s_catalog));
            Assert.Equal(a, b);
        }
    }

    private static void Apply(TenantCube cube, IEnumerable<Row> rows, IEnumerable<(DateOnly Day, string Ejecutivo, long Cents)> jornadas)
    {
        foreach (var row in rows)
        {
            row.AddTo(cube.GetOrCreate(row.Day));
        }

        foreach (var (day, ejecutivo, cents) in jornadas)
        {
            cube.GetOrCreate(day).SetJornada(Encoding.UTF8.GetBytes(ejecutivo), cents);
        }
    }

    private static List<Row> Rows(Random random, int count)
    {
        string[] tipificaciones = ["CONTACTO TITULAR", "promesa de pago", " PROMESA DE PAGO ", "NO CONTESTA", "APAGADO, FUERA DE SERVICIO", "SIN GESTION", ""];
        string[] canales = ["LLAMADA", "SMS", "WHATSAPP", "VISITA"];
        var rows = new List<Row>(count);
        for (var i = 0; i < count; i++)
        {
            rows.Add(new Row(
                s_days[random.Next(s_days.Length)],
                $"EJ{random.Next(1, 13):00}",
                random.Next(7, 22),
                canales[random.Next(canales.Length)],
                tipificaciones[random.Next(tipificaciones.Length)],
                random.Next(-40, 800),
                random.NextInt64(-100_000, 10_000_000),
                random.Next(600).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    private static List<(DateOnly Day, string Ejecutivo, long Cents)> Jornadas(Random random)
    {
        var jornadas = new List<(DateOnly, string, long)>();
        foreach (var day in s_days)
        {
            for (var e = 1; e <= 14; e++)
            {
                if (random.Next(5) > 0)
                {
                    jornadas.Add((day, $"EJ{e:00}", random.Next(0, 1001)));
                }
            }
        }

        return jornadas;
    }

    private sealed record Row(DateOnly Day, string Ejecutivo, int Hora, string Canal, string Tipificacion, int DiasMora, long SaldoCents, string Documento)
    {
        public void AddTo(MetricTable table) => table.Add(
            Encoding.UTF8.GetBytes(Ejecutivo),
            Hora,
            Encoding.UTF8.GetBytes(Canal),
            Encoding.UTF8.GetBytes(Tipificacion),
            TramoMora.Of(DiasMora),
            SaldoCents,
            Encoding.UTF8.GetBytes(Documento));
    }
}
