using System.Text;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Metrics;

namespace Pulso.Grains.Tests.Support;

/// <summary>
/// The engine computing the same rows in this process, with no grain, journal or codec in between: one
/// <see cref="MetricTable"/> per day filled with <see cref="MetricTable.Apply"/>, evaluated by <see cref="QueryEvaluator"/>.
/// </summary>
internal sealed class ReferenceEngine
{
    private readonly SortedDictionary<DateOnly, MetricTable> _tables = [];

    public void Add(IEnumerable<GestionRow> rows)
    {
        var batch = Gestiones.Build(rows);
        foreach (var day in batch.Days())
        {
            Table(DateOnly.FromDayNumber(day)).Apply(batch.ForDay(day));
        }
    }

    public void SetJornada(DateOnly day, string ejecutivo, long horasCents) =>
        Table(day).SetJornada(Encoding.UTF8.GetBytes(ejecutivo), horasCents);

    public QueryResultContract Evaluate(MetricQueryContract query, IReadOnlyList<HomologationRuleContract> homologation, IReadOnlyList<MetricDefinitionContract> metrics)
    {
        var catalog = metrics.ToCatalog(out var metricErrors);
        Assert.Empty(metricErrors);
        var table = homologation.ToTable(out var ruleErrors);
        Assert.Empty(ruleErrors);
        var days = _tables.Where(t => t.Key >= query.From && t.Key <= query.To).Select(t => t.Value).ToList();
        return QueryEvaluator.Evaluate(days, query.ToQuery(catalog), table, catalog).ToContract(version: 0);
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
