using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Alerts;

namespace Pulso.Engine.Tests.Alerts;

public sealed class AlertJudgeTests
{
    private static readonly DateTimeOffset s_noon = new(2026, 3, 2, 17, 0, 0, TimeSpan.Zero);

    private static readonly AlertRule s_low = new(
        "low", "tasa_contactabilidad", "ejecutivo", "lt", 20m, "today", 0, MinGestiones: 200, CooldownMinutes: 30, [new AlertChannel("slack", Url: "https://hooks.slack.test/x")]);

    [Fact]
    public void AGroupBelowTheMinimumVolumeIsNotJudged()
    {
        var transitions = AlertJudge.Judge(s_low, Groups(), [Figures("ej-1", 199, 0m)], s_noon);

        Assert.Empty(transitions);
    }

    [Fact]
    public void ACrossingGroupFiresAndTheOthersDoNot()
    {
        var transitions = AlertJudge.Judge(s_low, Groups(), [Figures("ej-1", 200, 19.9999m), Figures("ej-2", 500, 20m), Figures("ej-3", 300, null)], s_noon);

        var fire = Assert.Single(transitions);
        Assert.Equal((AlertTransitionKind.Fire, "ej-1"), (fire.Kind, fire.Figures.Group));
    }

    [Fact]
    public void AFiringGroupDoesNotFireAgainAndResolvesOnceTheComparisonNoLongerHolds()
    {
        var groups = Groups(("ej-1", true, s_noon.AddMinutes(-90)));

        Assert.Empty(AlertJudge.Judge(s_low, groups, [Figures("ej-1", 900, 3m)], s_noon));
        var resolve = Assert.Single(AlertJudge.Judge(s_low, groups, [Figures("ej-1", 900, 20m)], s_noon));
        Assert.Equal(AlertTransitionKind.Resolve, resolve.Kind);
    }

    [Fact]
    public void WithinTheCooldownACrossingWaitsAndFiresOnceTheCooldownHasPassed()
    {
        var groups = Groups(("ej-1", false, s_noon.AddMinutes(-29)));

        Assert.Empty(AlertJudge.Judge(s_low, groups, [Figures("ej-1", 900, 3m)], s_noon));
        Assert.Equal(AlertTransitionKind.Fire, Assert.Single(AlertJudge.Judge(s_low, groups, [Figures("ej-1", 900, 3m)], s_noon.AddMinutes(1))).Kind);
    }

    [Fact]
    public void AFiringGroupWhoseWindowLostItsVolumeResolves()
    {
        var groups = Groups(("ej-1", true, s_noon.AddHours(-3)), ("ej-2", true, s_noon.AddHours(-3)));

        // A new day: ej-1 has a few gestiones, ej-2 none at all.
        var transitions = AlertJudge.Judge(s_low, groups, [Figures("ej-1", 12, 0m)], s_noon);

        Assert.Equal([("ej-1", AlertTransitionKind.Resolve), ("ej-2", AlertTransitionKind.Resolve)], transitions.Select(t => (t.Figures.Group, t.Kind)).Order());
    }

    [Theory]
    [InlineData("lt", 5, 4.9999, true)]
    [InlineData("lt", 5, 5, false)]
    [InlineData("lte", 5, 5, true)]
    [InlineData("gt", 5, 5, false)]
    [InlineData("gt", 5, 5.0001, true)]
    [InlineData("gte", -1, -1, true)]
    public void ComparatorsAreExact(string comparator, double threshold, double value, bool fires)
    {
        var rule = s_low with { Comparator = comparator, Threshold = (decimal)threshold, MinGestiones = 0 };

        Assert.Equal(fires, AlertJudge.Judge(rule, Groups(), [Figures("ej-1", 1, (decimal)value)], s_noon).Count == 1);
    }

    private static GroupFigures Figures(string group, long volume, decimal? value) => new(group, volume, value, 4);

    private static Dictionary<string, GroupRuntime> Groups(params (string Group, bool Firing, DateTimeOffset LastFiredAt)[] groups) =>
        groups.ToDictionary(g => g.Group, g => new GroupRuntime { Firing = g.Firing, LastFiredAt = g.LastFiredAt });
}
