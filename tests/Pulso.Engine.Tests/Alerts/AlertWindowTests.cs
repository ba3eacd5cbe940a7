using Pulso.Engine.Tests.Support;
using Pulso.Grains.Alerts;
using Pulso.Grains.Metrics;

namespace Pulso.Engine.Tests.Alerts;

public sealed class AlertWindowTests
{
    [Fact]
    public void TodayIsTheWholeLocalDay()
    {
        var window = AlertWindow.Of("today", 0, new DateTime(2026, 3, 2, 0, 5, 0));

        Assert.Equal(new AlertWindow(new DateOnly(2026, 3, 2), 0, new DateOnly(2026, 3, 2), 23), window);
    }

    [Fact]
    public void TheLastHoursAreTheCurrentHourAndThoseBeforeItAcrossMidnight()
    {
        Assert.Equal(new AlertWindow(new DateOnly(2026, 3, 2), 8, new DateOnly(2026, 3, 2), 10), AlertWindow.Of("hours", 3, new DateTime(2026, 3, 2, 10, 59, 59)));
        Assert.Equal(new AlertWindow(new DateOnly(2026, 3, 1), 22, new DateOnly(2026, 3, 2), 1), AlertWindow.Of("hours", 4, new DateTime(2026, 3, 2, 1, 0, 0)));
        Assert.Equal(new AlertWindow(new DateOnly(2026, 2, 28), 2, new DateOnly(2026, 3, 2), 1), AlertWindow.Of("hours", 48, new DateTime(2026, 3, 2, 1, 30, 0)));
    }

    [Fact]
    public void AWindowAcrossMidnightCountsOnlyItsHoursAndDistinctDebtorsAcrossBothDays()
    {
        var yesterday = new DayTable("2026-03-01")
            .Add(hora: 21, documento: "A")
            .Add(hora: 22, documento: "A")
            .Add(hora: 23, documento: "B", tipificacion: "NO CONTESTA")
            .Add(hora: 1, documento: "Z", times: 5);
        var today = new DayTable("2026-03-02")
            .Add(hora: 0, documento: "A")
            .Add(hora: 1, documento: "C", tipificacion: "NO CONTESTA")
            .Add(hora: 23, documento: "Z", times: 7);
        var window = AlertWindow.Of("hours", 4, new DateTime(2026, 3, 2, 1, 10, 0));
        var query = new MetricQuery(window.From, window.To, [], ["total_gestiones", "contactos", "deudores_unicos", "tasa_contactabilidad"],
            new Dictionary<Dimension, IReadOnlyList<string>>(), window.FromHour, window.ToHour);

        var view = new ResultView(QueryEvaluator.Evaluate([yesterday.Table, today.Table], query, TheEngine.StandardMapping(), MetricCatalog.Builtin));

        // 22:00 and 23:00 yesterday, 00:00 and 01:00 today: A, B, A, C.
        Assert.Equal(4m, view[0, "total_gestiones"]);
        Assert.Equal(2m, view[0, "contactos"]);
        Assert.Equal(3m, view[0, "deudores_unicos"]);
        Assert.Equal(50m, view[0, "tasa_contactabilidad"]);
    }
}
