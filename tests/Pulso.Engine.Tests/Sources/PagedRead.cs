using System.Text;
using Pulso.Grains.Homologation;
using Pulso.Grains.Ingestion;
using Pulso.Grains.Metrics;
using Pulso.Grains.Sources;

namespace Pulso.Engine.Tests.Sources;

/// <summary>
/// A source read page after page as the source grain does, each page applied to one <see cref="MetricTable"/> per
/// day. A fresh adapter per page (by default) stands for an activation that only has the persisted watermark.
/// </summary>
internal sealed class PagedRead
{
    private readonly SortedDictionary<DateOnly, MetricTable> _tables = [];

    public List<SourcePage> Pages { get; } = [];

    /// <summary>The watermark each page was read from, by page index.</summary>
    public List<string?> ReadFrom { get; } = [];

    public string? Watermark { get; private set; }

    public IEnumerable<MetricTable> Tables => _tables.Values;

    public long Rows => Pages.Sum(p => p.Rows);

    public long Accepted => Pages.Sum(p => (long)p.Gestiones.Count);

    public long OtherTenants => Pages.Sum(p => p.OtherTenants);

    public Dictionary<string, long> Rejects =>
        RejectReasons.All.ToDictionary(RejectReasons.Name, reason => Pages.Sum(p => p.Rejects[reason]), StringComparer.Ordinal);

    /// <summary>Every accepted documento in the order read, page after page.</summary>
    public List<string> Documentos => [.. Pages.SelectMany(p => DocumentosOf(p.Gestiones))];

    /// <summary>Reads until the source has nothing new, starting after <paramref name="watermark"/>.</summary>
    public static async Task<PagedRead> UntilCaughtUpAsync(Func<IGestionSource> source, int pageSize, string? watermark = null, int maxPages = 10_000)
    {
        var read = new PagedRead { Watermark = watermark };
        await read.ContinueAsync(source, pageSize, maxPages);
        return read;
    }

    public async Task ContinueAsync(Func<IGestionSource> source, int pageSize, int maxPages = 10_000)
    {
        for (var i = 0; i < maxPages; i++)
        {
            var from = Watermark;
            var page = await source().ReadAsync(from, pageSize, CancellationToken.None);
            if (page is null)
            {
                return;
            }

            ReadFrom.Add(from);
            Pages.Add(page);
            Apply(page);
            Watermark = page.NextWatermark;
        }

        Assert.Fail($"the source still had pages after {maxPages}");
    }

    public QueryResult Figures(HomologationTable mapping, IReadOnlyList<Dimension> groupBy) => Evaluate(Tables, mapping, groupBy);

    public static QueryResult Evaluate(IEnumerable<MetricTable> tables, HomologationTable mapping, IReadOnlyList<Dimension> groupBy) =>
        QueryEvaluator.Evaluate(
            tables,
            new MetricQuery(DateOnly.MinValue, DateOnly.MaxValue, groupBy, [], new Dictionary<Dimension, IReadOnlyList<string>>()),
            mapping,
            MetricCatalog.Builtin);

    public static IEnumerable<string> DocumentosOf(GestionBatch batch) => batch.Documento.Select(i => batch.Documentos[i]);

    private void Apply(SourcePage page)
    {
        foreach (var day in page.Gestiones.Days())
        {
            Table(DateOnly.FromDayNumber(day)).Apply(page.Gestiones.ForDay(day));
        }

        foreach (var jornada in page.Jornadas)
        {
            Table(jornada.Fecha).SetJornada(Encoding.UTF8.GetBytes(jornada.Ejecutivo), jornada.HorasCents);
        }
    }

    private MetricTable Table(DateOnly day)
    {
        if (!_tables.TryGetValue(day, out var table))
        {
            _tables[day] = table = new MetricTable(day);
        }

        return table;
    }
}

/// <summary>Exact comparison of two engine results: same groups in the same order, every value and null equal.</summary>
internal static class SameFigures
{
    /// <summary>Every dimension at once, then no grouping at all (distinct debtors across days).</summary>
    public static readonly IReadOnlyList<IReadOnlyList<Dimension>> Groupings =
    [
        [Dimension.Dia, Dimension.Hora, Dimension.Ejecutivo, Dimension.Canal, Dimension.Tipificacion, Dimension.Categoria, Dimension.TramoMora],
        [Dimension.Dia, Dimension.Ejecutivo],
        [],
    ];

    public static void Assert(IEnumerable<MetricTable> expected, IEnumerable<MetricTable> actual, HomologationTable mapping, string what)
    {
        var expectedTables = expected.ToList();
        var actualTables = actual.ToList();
        foreach (var groupBy in Groupings)
        {
            Equal(PagedRead.Evaluate(expectedTables, mapping, groupBy), PagedRead.Evaluate(actualTables, mapping, groupBy), $"{what}, by [{string.Join(", ", groupBy)}]");
        }
    }

    public static void Equal(QueryResult expected, QueryResult actual, string what)
    {
        Xunit.Assert.Equal(expected.GroupBy, actual.GroupBy);
        if (expected.RowCount != actual.RowCount)
        {
            Xunit.Assert.Fail($"{what}: {actual.RowCount} groups, expected {expected.RowCount}");
        }

        Xunit.Assert.True(expected.RowCount > 0, $"{what}: the expected result is empty, so it proves nothing");
        for (var d = 0; d < expected.GroupBy.Count; d++)
        {
            Xunit.Assert.Equal(expected.DimensionColumns[d], actual.DimensionColumns[d]);
        }

        Xunit.Assert.Equal(expected.Metrics.Select(m => m.Name), actual.Metrics.Select(m => m.Name));
        foreach (var (want, got) in expected.Metrics.Zip(actual.Metrics))
        {
            for (var row = 0; row < expected.RowCount; row++)
            {
                var wanted = want.IsNull(row) ? (long?)null : want.Values[row];
                var gotten = got.IsNull(row) ? (long?)null : got.Values[row];
                if (wanted != gotten)
                {
                    Xunit.Assert.Fail($"{what}: {want.Name} of group {row} is {gotten?.ToString() ?? "null"}, expected {wanted?.ToString() ?? "null"}");
                }
            }
        }
    }
}
