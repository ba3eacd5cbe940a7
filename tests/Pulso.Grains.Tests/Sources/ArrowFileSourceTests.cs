using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>Arrow IPC files (file and stream formats, typed columns) dropped in a file source's folder, each taken once.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ArrowFileSourceTests(GrainClusterFixture fixture)
{
    [Fact]
    public async Task ArrowFilesAreReadInPagesWithTheSameChecksAndTakenOnce()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        using var folder = new SourceFolder();
        var rows = SourceData.Rows(seed: 95, count: 700);
        await WriteGestionesAsync(Path.Combine(folder.Path, "1-gestiones.arrow"), tenant, rows[..400], fileFormat: true, batchRows: 150);
        await WriteGestionesAsync(Path.Combine(folder.Path, "2-gestiones.arrows"), tenant, rows[400..], fileFormat: false, batchRows: 64, extraBad: true);
        var jornadas = SourceData.Days.SelectMany(d => Enumerable.Range(0, 4).Select(e => (Day: d, Ejecutivo: Gestiones.Ejecutivo(e), Cents: 640L + (e * 25)))).ToList();
        await WriteJornadasAsync(Path.Combine(folder.Path, "3-jornadas.arrows"), tenant, jornadas);
        var reference = SourceData.Reference(rows);
        jornadas.ForEach(j => reference.SetJornada(j.Day, j.Ejecutivo, j.Cents));
        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "arrow"));
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PageSize: 90)));

        var status = await SourceData.CatchUpAsync(source);

        Assert.Equal(700 + jornadas.Count, status.Accepted);
        Assert.Equal(1, status.Rejected["saldo_invalido"]);
        Assert.Equal(1, status.Rejected["cliente_ajeno"]);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, reference, "Arrow files");

        // Taken once: a copy of a file already read (same content, new name) adds nothing.
        File.Copy(Path.Combine(folder.Path, "1-gestiones.arrow"), Path.Combine(folder.Path, "4-copia.arrow"));
        Assert.Equal(status.Accepted, (await SourceData.CatchUpAsync(source)).Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, reference, "Arrow files, a copy dropped again");
    }

    [Fact]
    public async Task ArrowFileWithoutClienteIsRefusedNamingTheColumn()
    {
        // A folder may be shared: only rows that name the tenant are taken, so the column is required.
        var tenant = await Tenants.CreateAsync(fixture.Client);
        using var folder = new SourceFolder();
        var schema = new Schema.Builder().Field(f => f.Name("fecha").DataType(StringType.Default)).Field(f => f.Name("documento").DataType(StringType.Default)).Build();
        await using (var stream = File.Create(Path.Combine(folder.Path, "sin-cliente.arrows")))
        {
            using var writer = new ArrowStreamWriter(stream, schema);
            IArrowArray[] columns = [new StringArray.Builder().Append("2026-05-04 10:00:00").Build(), new StringArray.Builder().Append("D1").Build()];
            await writer.WriteRecordBatchAsync(new RecordBatch(schema, columns, 1));
            await writer.WriteEndAsync();
        }

        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "arrow"));
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path)));
        var status = await source.PollNow();

        Assert.Contains("sin-cliente.arrows: missing columns cliente, ejecutivo, tipificacion, saldo, dias_mora, canal", status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, status.Rows);
    }

    private static async Task WriteGestionesAsync(string path, string tenant, IReadOnlyList<SourceRow> rows, bool fileFormat, int batchRows, bool extraBad = false)
    {
        var schema = new Schema.Builder()
            .Field(f => f.Name("gestion_id").DataType(Int64Type.Default))
            .Field(f => f.Name("cliente").DataType(StringType.Default))
            .Field(f => f.Name("fecha").DataType(StringType.Default))
            .Field(f => f.Name("documento").DataType(StringType.Default))
            .Field(f => f.Name("ejecutivo").DataType(StringType.Default))
            .Field(f => f.Name("tipificacion").DataType(StringType.Default))
            .Field(f => f.Name("saldo").DataType(new Decimal128Type(14, 2)))
            .Field(f => f.Name("dias_mora").DataType(Int32Type.Default))
            .Field(f => f.Name("canal").DataType(StringType.Default))
            .Build();
        var all = rows.Select(r => (r.Id, Cliente: tenant, Fecha: SourceData.Fecha(r.Gestion, r.Id), r.Gestion.Documento, r.Gestion.Ejecutivo, r.Gestion.Tipificacion,
            Saldo: (decimal?)(r.Gestion.SaldoCents / 100m), Mora: int.Parse(SourceData.DiasMora(r.Gestion.Tramo), System.Globalization.CultureInfo.InvariantCulture), r.Gestion.Canal)).ToList();
        if (extraBad)
        {
            all.Add((9001, tenant, "2026-05-04 10:00:00", "D9", "ej-01", "NO CONTESTA", null, 3, "SMS"));
            all.Add((9002, "otro-banco", "2026-05-04 10:00:00", "D9", "ej-01", "NO CONTESTA", 1m, 3, "SMS"));
        }

        await using var stream = File.Create(path);
        using ArrowStreamWriter writer = fileFormat ? new ArrowFileWriter(stream, schema) : new ArrowStreamWriter(stream, schema);
        foreach (var chunk in all.Chunk(batchRows))
        {
            var saldo = new Decimal128Array.Builder(new Decimal128Type(14, 2));
            foreach (var r in chunk)
            {
                if (r.Saldo is { } value)
                {
                    saldo.Append(value);
                }
                else
                {
                    saldo.AppendNull();
                }
            }

            IArrowArray[] columns =
            [
                new Int64Array.Builder().AppendRange(chunk.Select(r => r.Id)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Cliente)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Fecha)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Documento)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Ejecutivo)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Tipificacion)).Build(),
                saldo.Build(),
                new Int32Array.Builder().AppendRange(chunk.Select(r => r.Mora)).Build(),
                new StringArray.Builder().AppendRange(chunk.Select(r => r.Canal)).Build(),
            ];
            await writer.WriteRecordBatchAsync(new RecordBatch(schema, columns, chunk.Length));
        }

        await writer.WriteEndAsync();
    }

    private static async Task WriteJornadasAsync(string path, string tenant, List<(DateOnly Day, string Ejecutivo, long Cents)> jornadas)
    {
        var schema = new Schema.Builder()
            .Field(f => f.Name("cliente").DataType(StringType.Default))
            .Field(f => f.Name("ejecutivo").DataType(StringType.Default))
            .Field(f => f.Name("fecha").DataType(Date32Type.Default))
            .Field(f => f.Name("horas_trabajadas").DataType(new Decimal128Type(5, 2)))
            .Build();
        var horas = new Decimal128Array.Builder(new Decimal128Type(5, 2));
        jornadas.ForEach(j => horas.Append(j.Cents / 100m));
        var fechas = new Date32Array.Builder();
        jornadas.ForEach(j => fechas.Append(j.Day));
        IArrowArray[] columns =
        [
            new StringArray.Builder().AppendRange(jornadas.Select(_ => tenant)).Build(),
            new StringArray.Builder().AppendRange(jornadas.Select(j => j.Ejecutivo)).Build(),
            fechas.Build(),
            horas.Build(),
        ];
        await using var stream = File.Create(path);
        using var writer = new ArrowStreamWriter(stream, schema);
        await writer.WriteRecordBatchAsync(new RecordBatch(schema, columns, jornadas.Count));
        await writer.WriteEndAsync();
    }
}
