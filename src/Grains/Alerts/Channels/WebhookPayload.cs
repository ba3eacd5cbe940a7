using System.Globalization;
using System.Text.Json;
using Pulso.Grains.Abstractions.Alerts;

namespace Pulso.Grains.Alerts.Channels;

/// <summary>
/// The JSON a generic webhook receives: the notification's id (also in <c>X-Pulso-Notification-Id</c>), the event,
/// the rule, the exact value and threshold as decimal strings, the volume and the dashboard link.
/// </summary>
public static class WebhookPayload
{
    public static byte[] Build(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", n.Id);
            json.WriteString("event", AlertVocabulary.Firing);
            json.WriteString("tenant", n.Tenant);
            json.WriteString("rule", n.Rule);
            json.WriteString("metric", n.Metric);
            json.WriteString("scope", n.Scope);
            json.WriteString("group", n.Group);
            if (n.Value is null)
            {
                json.WriteNull("value");
            }
            else
            {
                json.WriteString("value", NotificationText.Value(n));
            }

            json.WriteString("comparator", n.Comparator);
            json.WriteString("threshold", NotificationText.Threshold(n));
            json.WriteString("window", n.Window);
            json.WriteNumber("gestiones", n.Volume);
            json.WriteString("firedAt", n.FiredAt.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("dashboardUrl", n.DashboardUrl);
            json.WriteString("text", NotificationText.Summary(n));
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
