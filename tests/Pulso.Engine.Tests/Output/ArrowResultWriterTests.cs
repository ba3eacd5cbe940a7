using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Pulso.Engine.Tests.Support;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Engine.Tests.Output;

public sealed class ArrowResultWriterTests
{
    private static readonly MetricCatalog s_catalog = MetricCatalog.Create(
    [
        new MetricDefinition("tasa_promesa", MetricKind.Ratio, Numerator: "compromisos", Denominator: "contactos", Scale: 100),
        new MetricDefinition("saldo_promesas", MetricKind.Sum, new MetricWhere(["PROMESA_PAGO"]), Field: "saldo"),
        new MetricDefinition("promesas", MetricKind.Count, new MetricWhere(["PROMESA_PAGO"])),
    ]);

    [Fact]
    public void StreamRoundTripsWithTheDesignTypes()
    {
        var result = Sample();
        using var stream = new MemoryStream();

        ArrowResultWriter.WriteStream(result, stream);
        stream.Position = 0;
        using var reader = new ArrowStreamReader(stream);
        using var batch = reader.ReadNextRecordBatch();

        Assert.NotNull(batch);
        Assert.Null(reader.ReadNextRecordBatch());
        var schema = batch.Schema;
        Assert.Equal(["ejecutivo", "canal", .. MetricCatalog.BuiltinNames, "tasa_promesa", "saldo_promesas", "promesas"], schema.FieldsList.Select(f => f.Name));
        Assert.IsType<StringType>(schema.GetFieldByName("ejecutivo").DataType);
        Assert.IsType<StringType>(schema.GetFieldByName("canal").DataType);
        foreach (var count in new[] { "total_gestiones", "contactos", "compromisos", "deudores_unicos", "promesas" })
        {
            Assert.IsType<Int64Type>(schema.GetFieldByName(count).DataType);
        }

        AssertDecimal(schema, "saldo_total", 20, 2);
        AssertDecimal(schema, "horas_trabajadas", 20, 2);
        AssertDecimal(schema, "saldo_promesas", 20, 2);
        AssertDecimal(schema, "tasa_contactabilidad", 12, 4);
        AssertDecimal(schema, "pdps_por_hora", 12, 4);
        AssertDecimal(schema, "tasa_promesa", 20, 4);
        Assert.Equal(3, batch.Length);

        var ejecutivo = (StringArray)batch.Column("ejecutivo");
        var canal = (StringArray)batch.Column("canal");
        Assert.Equal(["EJ0001", "EJ0001", "EQUIPO, SUR"], Enumerable.Range(0, 3).Select(i => ejecutivo.GetString(i)));
        Assert.Equal(["LLAMADA", "SMS", "SMS"], Enumerable.Range(0, 3).Select(i => canal.GetString(i)));
        Assert.Equal([3L, 1L, 1L], Values((Int64Array)batch.Column("total_gestiones")));
        Assert.Equal([2L, 0L, 0L], Values((Int64Array)batch.Column("compromisos")));
        Assert.Equal([2L, 0L, 0L], Values((Int64Array)batch.Column("promesas")));
        Assert.Equal([123.45m, -0.75m, 0m], Decimals(batch, "saldo_total"));
        Assert.Equal([8.96m, 8.96m, null], Decimals(batch, "horas_trabajadas"));
        Assert.Equal([66.6667m, 0m, 0m], Decimals(batch, "tasa_contactabilidad"));
        Assert.Equal([0.2232m, 0m, null], Decimals(batch, "pdps_por_hora"));
        Assert.Equal([100m, null, null], Decimals(batch, "tasa_promesa"));
        Assert.Equal([123.45m, 0m, 0m], Decimals(batch, "saldo_promesas"));
    }

    [Fact]
    public void OnlyColumnsThatCanBeNullAreNullable()
    {
        using var batch = ArrowResultWriter.ToRecordBatch(Sample());

        Assert.False(batch.Schema.GetFieldByName("ejecutivo").IsNullable);
        Assert.False(batch.Schema.GetFieldByName("total_gestiones").IsNullable);
        Assert.False(batch.Schema.GetFieldByName("saldo_total").IsNullable);
        Assert.True(batch.Schema.GetFieldByName("horas_trabajadas").IsNullable);
        Assert.True(batch.Schema.GetFieldByName("pdps_por_hora").IsNullable);
        Assert.Equal(1, batch.Column("horas_trabajadas").NullCount);
        Assert.Equal(0, batch.Column("saldo_total").NullCount);
    }

    [Fact]
    public void LargeTenantRatesFitTheirDecimal()
    {
        var catalog = MetricCatalog.Create([new MetricDefinition("grande", MetricKind.Ratio, Numerator: "saldo_total", Denominator: "total_gestiones", Scale: 1_000_000)]);
        var table = new DayTable().Add(saldoCents: 5_000_000_000);

        using var batch = ArrowResultWriter.ToRecordBatch(TheEngine.Query([table.Table], TheEngine.StandardMapping(), [], ["grande"], catalog: catalog));

        Assert.Equal([50_000_000_000_000m], Decimals(batch, "grande"));
    }

    [Fact]
    public void EmptyResultIsAnEmptyBatchWithTheSchema()
    {
        using var stream = new MemoryStream();
        ArrowResultWriter.WriteStream(TheEngine.Query([], TheEngine.StandardMapping(), [Dimension.Dia]), stream);
        stream.Position = 0;
        using var reader = new ArrowStreamReader(stream);
        using var batch = reader.ReadNextRecordBatch();

        Assert.Equal(0, batch.Length);
        Assert.Equal(["dia", .. MetricCatalog.BuiltinNames], batch.Schema.FieldsList.Select(f => f.Name));
    }

    private static QueryResult Sample()
    {
        var table = new DayTable()
            .Add("EJ0001", "PROMESA DE PAGO", saldoCents: 12_345, canal: "LLAMADA")
            .Add("EJ0001", "PROMESA DE PAGO", canal: "LLAMADA")
            .Add("EJ0001", "NO CONTESTA", canal: "LLAMADA")
            .Add("EJ0001", "NO CONTESTA", saldoCents: -75, canal: "SMS")
            .Add("EQUIPO, SUR", "NO CONTESTA", canal: "SMS")
            .Jornada("EJ0001", 896);
        var metrics = MetricCatalog.BuiltinNames.Concat(["tasa_promesa", "saldo_promesas", "promesas"]).ToList();
        return TheEngine.Query([table.Table], TheEngine.StandardMapping(), [Dimension.Ejecutivo, Dimension.Canal], metrics, catalog: s_catalog);
    }

    private static void AssertDecimal(Schema schema, string name, int precision, int scale)
    {
        var type = Assert.IsType<Decimal128Type>(schema.GetFieldByName(name).DataType);
        Assert.Equal((precision, scale), (type.Precision, type.Scale));
    }

    private static long?[] Values(Int64Array array) => [.. Enumerable.Range(0, array.Length).Select(i => array.GetValue(i))];

    private static decimal?[] Decimals(RecordBatch batch, string name)
    {
        var array = (Decimal128Array)batch.Column(name);
        return [.. Enumerable.Range(0, array.Length).Select(i => array.GetValue(i))];
    }
}
