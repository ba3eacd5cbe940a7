using Pulso.Engine.Tests.Support;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Sources;

namespace Pulso.Engine.Tests.Sources;

/// <summary>Where a file source resumes: the file in progress, on the right line, whatever arrived meanwhile.</summary>
public sealed class FileSourceResumeTests
{
    private const string Tenant = "banco-a";

    [Fact]
    public async Task FileArrivingWithAnEarlierNameWaitsForTheFileInProgress()
    {
        using var folder = new TempFolder();
        folder.Write("b.csv", Rows(50, "B"));
        var source = new FileSource(Tenant, folder.Path);
        string? watermark = null;
        var documentos = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var page = await source.ReadAsync(watermark, 2, CancellationToken.None);
            documentos.AddRange(PagedRead.DocumentosOf(page!.Gestiones));
            watermark = page.NextWatermark;
        }

        folder.Write("a.csv", Rows(3, "A"));
        var rest = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 3, watermark: watermark);
        documentos.AddRange(rest.Documentos);

        Assert.Equal(53, documentos.Count);
        Assert.Equal(53, documentos.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"B{i:000}"), documentos.Take(50));
    }

    [Fact]
    public async Task RejectedRowsKeepTheirFileLineNumbersAcrossPages()
    {
        using var folder = new TempFolder();
        var csv = new GestionesCsv();
        for (var i = 0; i < 9; i++)
        {
            // Every third row has no documento: lines 2..10 hold rows 0..8, so rejects sit on lines 2, 5 and 8.
            csv.Row(documento: i % 3 == 0 ? " " : $"D{i:000}");
        }

        folder.Write("gestiones.csv", csv.ToString());
        var read = await PagedRead.UntilCaughtUpAsync(() => new FileSource(Tenant, folder.Path), pageSize: 2);

        var lines = read.Pages.SelectMany(p => p.Rejects.Rows).Select(r => r.Line).ToList();
        Assert.Equal([2L, 5L, 8L], lines);
        Assert.All(read.Pages.SelectMany(p => p.Rejects.Rows), r => Assert.Equal(RejectReason.DocumentoVacio, r.Reason));
    }

    private static string Rows(int count, string prefix)
    {
        var csv = new GestionesCsv();
        for (var i = 0; i < count; i++)
        {
            csv.Row(documento: $"{prefix}{i:000}");
        }

        return csv.ToString();
    }
}
