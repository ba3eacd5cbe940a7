using System.Text.Json;
using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts.Channels;

/// <summary>
/// A Slack incoming-webhook message in Block Kit: a header, the figure, threshold, group, window and volume as
/// fields, a button to the dashboard, and a context line with the notification id (Slack itself does not
/// deduplicate; the id is there for people and for proxies that do). <c>text</c> is the notification fallback.
/// </summary>
public static class SlackMessage
{
    public static byte[] Build(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", Escape(NotificationText.Summary(n)));
            json.WriteStartArray("blocks");

            json.WriteStartObject();
            json.WriteString("type", "header");
            PlainText(json, "text", Truncate($"{n.Rule} firing", 150));
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "section");
            Markdown(json, "text", $"*{Escape(n.Metric)}* is *{NotificationText.Value(n)}* for {Escape(NotificationText.Group(n))}");
            json.WriteStartArray("fields");
            Field(json, "Threshold", $"{Escape(AlertVocabulary.Symbol(n.Comparator))} {NotificationText.Threshold(n)}");
            Field(json, "Window", $"{Escape(n.Window)} ({n.Volume} gestiones)");
            Field(json, "Tenant", Escape(n.Tenant));
            Field(json, "Fired at", $"{n.FiredAt:yyyy-MM-dd HH:mm:ss} UTC");
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "actions");
            json.WriteStartArray("elements");
            json.WriteStartObject();
            json.WriteString("type", "button");
            PlainText(json, "text", "Open the dashboard");
            json.WriteString("url", n.DashboardUrl);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "context");
            json.WriteStartArray("elements");
            json.WriteStartObject();
            json.WriteString("type", "mrkdwn");
            json.WriteString("text", $"Pulso notification id: {Escape(n.Id)}");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Slack's mrkdwn reserves &amp;, &lt; and &gt;; tenant-chosen names are escaped.</summary>
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static void Field(Utf8JsonWriter json, string label, string value)
    {
        json.WriteStartObject();
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", $"*{label}*\n{value}");
        json.WriteEndObject();
    }

    private static void PlainText(Utf8JsonWriter json, string property, string text)
    {
        json.WriteStartObject(property);
        json.WriteString("type", "plain_text");
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    private static void Markdown(Utf8JsonWriter json, string property, string text)
    {
        json.WriteStartObject(property);
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", text);
        json.WriteEndObject();
    }
}
