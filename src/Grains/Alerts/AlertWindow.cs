using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Metrics;

namespace Pulso.Grains.Alerts;

/// <summary>
/// The span of local time a rule judges. <c>today</c> is the tenant's current local day; <c>hours</c> N is the current
/// local hour and the N - 1 before it, whole hours (gestiones carry their local hour), possibly crossing midnight.
/// </summary>
public readonly record struct AlertWindow(DateOnly From, int FromHour, DateOnly To, int ToHour)
{
    public static AlertWindow Of(string window, int hours, DateTime localNow)
    {
        var today = DateOnly.FromDateTime(localNow);
        if (window != AlertVocabulary.WindowHours)
        {
            return new AlertWindow(today, 0, today, 23);
        }

        var end = new DateTime(localNow.Year, localNow.Month, localNow.Day, localNow.Hour, 0, 0, DateTimeKind.Unspecified);
        var start = end.AddHours(1 - Math.Max(1, hours));
        return new AlertWindow(DateOnly.FromDateTime(start), start.Hour, today, end.Hour);
    }

    /// <summary>The query for this window: grouped as the scope says, with the given metrics.</summary>
    public MetricQueryContract Query(string[] groupBy, string[] metrics) =>
        new(From, To, groupBy, metrics, new Dictionary<string, string[]>(), FromHour, ToHour);

    /// <summary>A description for messages: <c>today</c> or <c>the last 3 hours</c>.</summary>
    public static string Describe(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Window == AlertVocabulary.WindowHours
            ? (rule.Hours == 1 ? "the current hour" : $"the last {rule.Hours} hours")
            : "today";
    }
}
