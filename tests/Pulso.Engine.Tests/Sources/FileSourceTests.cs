using Pulso.Engine.Tests.Support;
using Pulso.Grains.Csv;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Sources;

namespace Pulso.Engine.Tests.Sources;

/// <summary>CSV files in a folder read as pages after a watermark, as a source grain pulls them.</summary>
public sealed class FileSourceTests
{
    private const string Tenant = "banco-a";

    [Fact]
    public async Task GestionesFileIsReadInPagesOfTheRequestedSizeWithStableIds()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv();
        for (var i = 0; i < 25; i++)
        {
            csv.Row(documento: $"D{i:000}", fecha: $"2026-01-05 {8 + (i % 10):00}:00:00");
        }

        folder.Write("gestiones.csv", csv.ToString());

        var read = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 10);

        Assert.Equal([10L, 10L, 5L], read.Pages.Select(p => p.Rows));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"D{i:000}"), read.Documentos);
        Assert.Equal(3, read.Pages.Select(p => p.PageId).Distinct().Count());
        Assert.All(read.Pages, p => Assert.StartsWith("file:", p.PageId, StringComparison.Ordinal));

        // Reading again from a page's watermark, even with a new adapter, is the same page.
        var again = new FileSource(Tenant, folder.Path);
        for (var i = 0; i < read.Pages.Count; i++)
        {
            var page = await again.ReadAsync(read.ReadFrom[i], 10, CancellationToken.None);
            Assert.NotNull(page);
            Assert.Equal(read.Pages[i].PageId, page.PageId);
            Assert.Equal(read.Pages[i].NextWatermark, page.NextWatermark);
            Assert.Equal(PagedRead.DocumentosOf(read.Pages[i].Gestiones), PagedRead.DocumentosOf(page.Gestiones));
        }

        Assert.Null(await again.ReadAsync(read.Watermark, 10, CancellationToken.None));
    }

    [Fact]
    public async Task ResumingFromEachPageWatermarkLosesAndRepeatsNoRow()
    {
        using var folder = new TempFolder();
        var generator = new BenchDataGenerator(seed: 17) { CrlfShare = 0.3, DirtyShare = 0.1 };
        var path = folder.File("gestiones.csv");
        generator.WriteGestiones(path, rows: 1_500);
        BenchDataGenerator.WriteHomologacion(folder.File("homologacion.txt"));
        var mapping = Mapping(folder.File("homologacion.txt"), "banco-andino");

        // Each page by a new adapter from the previous page's watermark, as after a restart; then all in one go.
        var paged = await PagedRead.UntilCaughtUpAsync(() => new FileSource("banco-andino", folder.Path), pageSize: 97);
        var whole = await PagedRead.UntilCaughtUpAsync(() => new FileSource("banco-andino", folder.Path), pageSize: 1_000_000);

        Assert.True(paged.Pages.Count > 5, $"only {paged.Pages.Count} pages");
        Assert.Single(whole.Pages);
        Assert.Equal(generator.Rows, paged.Rows);
        Assert.Equal(whole.Rows, paged.Rows);
        Assert.Equal(whole.Documentos, paged.Documentos);
        Assert.Equal(whole.Rejects, paged.Rejects);
        Assert.Equal(whole.OtherTenants, paged.OtherTenants);
        Assert.Equal(paged.Rows, paged.Accepted + paged.Rejects.Values.Sum() + paged.OtherTenants);
        Assert.True(paged.Rejects.Values.Sum() > 0, "the file has dirty rows of this cliente");
        Assert.Equal(paged.Pages.Count, paged.Pages.Select(p => p.PageId).Distinct().Count());
        SameFigures.Assert(whole.Tables, paged.Tables, mapping, "paged against one page");

        // The batch import reads the same file its own way: the same figures for this cliente.
        var imported = GestionAggregator.AggregateFile(path, 1);
        SameFigures.Assert(imported.Cubes["banco-andino"].Tables, paged.Tables, mapping, "paged against the import");
    }

    [Fact]
    public async Task QuotedFieldsWithLineBreaksSurvivePageBoundaries()
    {
        using var folder = new TempFolder();
        var generator = new BenchDataGenerator(seed: 23) { CrlfShare = 0.5 };
        var path = folder.File("gestiones.csv");

        // Rows whose tipificación spans 2,500 lines (quotes and commas inside): two at the start, one later.
        generator.WriteGestiones(path, rows: 300, bigRowsAround: [0, 0, 100_000]);
        Assert.Equal(3, generator.BigRows.Count);
        var mapping = HomologationTable.Empty;
        var source = new FileSource("banco-andino", folder.Path);
        var whole = await PagedRead.UntilCaughtUpAsync(() => source, pageSize: 1_000_000);
        var batch = whole.Pages.Single().Gestiones;
        Assert.Equal(3, batch.Tipificacion.Count(t => batch.Tipificaciones[t] == BenchDataGenerator.BigTipificacion));

        foreach (var pageSize in new[] { 1, 2, 3, 50 })
        {
            var paged = await PagedRead.UntilCaughtUpAsync(() => source, pageSize);
            Assert.Equal(generator.Rows, paged.Rows);
            Assert.Equal(whole.Documentos, paged.Documentos);
            Assert.Equal(whole.Rejects, paged.Rejects);
            SameFigures.Assert(whole.Tables, paged.Tables, mapping, $"pages of {pageSize}");
        }
    }

    [Fact]
    public async Task FileAlreadyTakenIsSkippedUnderAnotherName()
    {
        using var folder = new TempFolder();
        var text = new GestionesCsv().Row(documento: "1").Row(documento: "2").Row(documento: "3").ToString();
        folder.Write("2026-01-05.csv", text);
        var source = new FileSource(Tenant, folder.Path);
        var read = await PagedRead.UntilCaughtUpAsync(() => source, pageSize: 2);
        Assert.Equal(["1", "2", "3"], read.Documentos);

        folder.Write("2026-01-05-copy.csv", text);
        File.Copy(folder.File("2026-01-05.csv"), folder.File("0-first-by-name.csv"));

        Assert.Null(await source.ReadAsync(read.Watermark, 2, CancellationToken.None));
        Assert.Null(await new FileSource(Tenant, folder.Path).ReadAsync(read.Watermark, 2, CancellationToken.None));
    }

    [Fact]
    public async Task FileArrivingLaterIsReadNext()
    {
        using var folder = new TempFolder();
        folder.Write("a.csv", new GestionesCsv().Row(documento: "a1").Row(documento: "a2").ToString());
        var read = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 10);
        Assert.Equal(["a1", "a2"], read.Documentos);

        folder.Write("b.csv", new GestionesCsv().Row(documento: "b1").Row(documento: "b2").Row(documento: "b3").ToString());
        var pagesBefore = read.Pages.Count;
        await read.ContinueAsync(() => new FileSource(Tenant, folder.Path), pageSize: 2);

        Assert.Equal(["a1", "a2", "b1", "b2", "b3"], read.Documentos);
        Assert.Equal([2L, 1L], read.Pages.Skip(pagesBefore).Select(p => p.Rows));
        Assert.Equal(read.Pages.Count, read.Pages.Select(p => p.PageId).Distinct().Count());
    }

    [Fact]
    public async Task JornadasFileIsRecognisedByItsHeader()
    {
        using var folder = new TempFolder();
        folder.Write("horas.csv", string.Join(
            '\n',
            "ejecutivo,horas_trabajadas,cliente,fecha",
            "EJ0001,7.50,banco-a,2026-01-05",
            "EJ0002, 8 ,banco-a,2026-01-06",
            "EJ0001,6.00,banco-b,2026-01-05",
            "EJ0003,ocho,banco-a,2026-01-05",
            "EJ0004,4.25,banco-a,2026-01-05") + "\n");

        var page = await new FileSource(Tenant, folder.Path).ReadAsync(null, 100, CancellationToken.None);

        Assert.NotNull(page);
        Assert.Equal(0, page.Gestiones.Count);
        Assert.Equal(
            [new Jornada(Tenant, "EJ0001", new DateOnly(2026, 1, 5), 750), new Jornada(Tenant, "EJ0002", new DateOnly(2026, 1, 6), 800), new Jornada(Tenant, "EJ0004", new DateOnly(2026, 1, 5), 425)],
            page.Jornadas);
        Assert.Equal(5, page.Rows);
        Assert.Equal(1, page.OtherTenants);
        Assert.Equal(1, page.JornadasRejected);
        Assert.Equal(0, page.Rejects.Total);
    }

    [Fact]
    public async Task RowsOfAnotherClienteAreCountedAndNotApplied()
    {
        using var folder = new TempFolder();
        folder.Write("gestiones.csv", new GestionesCsv()
            .Row(documento: "1", saldo: "10.00")
            .Row(cliente: "banco-b", documento: "2", saldo: "20.00")
            .Row(documento: "3", saldo: "30.00")
            .Row(cliente: "banco-b", fecha: "not a date", documento: "4")
            .Row(cliente: "BANCO-A", documento: "5", saldo: "50.00")
            .Row(documento: "", saldo: "60.00")
            .ToString());

        var read = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 100);

        Assert.Equal(6, read.Rows);
        Assert.Equal(3, read.OtherTenants);
        Assert.Equal(["1", "3"], read.Documentos);
        Assert.Equal(1, read.Rejects["documento_vacio"]);
        Assert.Equal(0, read.Rejects["fecha_invalida"]);
        var view = new ResultView(read.Figures(HomologationTable.Empty, []));
        Assert.Equal(2m, view[0, "total_gestiones"]);
        Assert.Equal(40m, view[0, "saldo_total"]);
    }

    [Fact]
    public async Task MalformedFileFailsNamingTheFile()
    {
        using var folder = new TempFolder();
        folder.Write("roto.csv", new GestionesCsv()
            .Row(documento: "1")
            .Row(documento: "2")
            .Raw("3,banco-a,2026-01-05 08:00:00,12345678,EJ0001\n")
            .Row(documento: "4")
            .ToString());
        var source = new FileSource(Tenant, folder.Path);

        var error = await Assert.ThrowsAsync<CsvFormatException>(() => source.ReadAsync(null, 100, CancellationToken.None));

        Assert.Contains("roto.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 9 fields", error.Message, StringComparison.Ordinal);

        // Rows before the bad one are still delivered when a page ends before it.
        var first = await source.ReadAsync(null, 1, CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(["1"], PagedRead.DocumentosOf(first.Gestiones));
    }

    [Fact]
    public async Task FileWithAByteOrderMarkReadsItsFirstRow()
    {
        using var folder = new TempFolder();
        var text = new GestionesCsv().Row(documento: "1").Row(documento: "2").ToString();
        folder.Write("bom.csv", [.. "\uFEFF"u8.ToArray(), .. System.Text.Encoding.UTF8.GetBytes(text)]);

        var read = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 1);

        Assert.Equal(["1", "2"], read.Documentos);
    }

    [Fact]
    public async Task MissingFolderIsAnError()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "not-yet");
        var source = new FileSource(Tenant, missing);

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => source.ReadAsync(null, 10, CancellationToken.None));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, source.LagSeconds(null));
    }

    private static HomologationTable Mapping(string path, string cliente)
    {
        using var reader = new CsvReader(File.OpenRead(path), Path.GetFileName(path));
        return HomologationCsv.ReadTables(reader)[cliente];
    }
}
