using System.Globalization;
using System.Text;
using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts.Channels;

/// <summary>The words of a notification, shared by the channels: exact figures, never rounded through floating point.</summary>
public static class NotificationText
{
    /// <summary>The value with its metric's decimals (counts 0, money 2, rates 4), or <c>n/a</c>.</summary>
    public static string Value(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return n.Value is { } v ? v.ToString("F" + n.Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "n/a";
    }

    public static string Threshold(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return n.Threshold.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><c>tenant total</c>, <c>ejecutivo ej-01</c>, <c>canal SMS</c>.</summary>
    public static string Group(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return n.Scope == AlertVocabulary.ScopeTenant ? "tenant total" : $"{n.Scope} {n.Group}";
    }

    /// <summary>One line: <c>acme / contactabilidad-baja: tasa_contactabilidad is 12.5000 (&lt; 20) for ejecutivo ej-01, today</c>.</summary>
    public static string Summary(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return $"{n.Tenant} / {n.Rule}: {n.Metric} is {Value(n)} ({AlertVocabulary.Symbol(n.Comparator)} {Threshold(n)}) for {Group(n)}, {n.Window}";
    }

    public static string Subject(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return $"[Pulso] {n.Rule} firing: {n.Metric} {Value(n)} for {Group(n)}";
    }

    /// <summary>The plain-text body of an email.</summary>
    public static string PlainBody(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Summary(n)}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Rule: {n.Rule}\nMetric: {n.Metric}\nValue: {Value(n)}\n");
        text.Append(CultureInfo.InvariantCulture, $"Threshold: {AlertVocabulary.Symbol(n.Comparator)} {Threshold(n)}\nGroup: {Group(n)}\n");
        text.Append(CultureInfo.InvariantCulture, $"Window: {n.Window} ({n.Volume} gestiones)\nFired at: {n.FiredAt:O}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Dashboard: {n.DashboardUrl}\nNotification id: {n.Id}\n");
        return text.ToString();
    }
}
