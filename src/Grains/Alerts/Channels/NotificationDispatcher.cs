using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Pulso.Grains.Abstractions.Alerts;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace Pulso.Grains.Alerts.Channels;

/// <summary>
/// Makes one delivery attempt of an outbox entry on its channel, within the configured timeout, and says whether it
/// is done, worth retrying or refused for good. Retries are not made here: the alert grain schedules them from its
/// persisted outbox, so that they survive a silo. Every request carries the notification id in
/// <c>X-Pulso-Notification-Id</c> (and SendGrid's custom argument <c>pulso_notification_id</c>).
/// </summary>
public sealed class NotificationDispatcher(IHttpClientFactory clients, IOptions<AlertOptions> options, TimeProvider time)
{
    public const string HttpClientName = "pulso-alerts";
    public const string IdHeader = "X-Pulso-Notification-Id";
    public const string SendGridIdArgument = "pulso_notification_id";

    private readonly AlertOptions _options = options.Value;

    public async Task<DeliveryResult> DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.DeliveryTimeoutSeconds));
        try
        {
            return entry.Channel.Type switch
            {
                AlertVocabulary.Email => await SendEmailAsync(entry, timeout.Token),
                AlertVocabulary.Slack => await PostAsync(entry.Channel.Url!, SlackMessage.Build(entry.Notification), entry, signWith: null, timeout.Token),
                AlertVocabulary.Webhook => await PostAsync(entry.Channel.Url!, WebhookPayload.Build(entry.Notification), entry, entry.Channel.Secret, timeout.Token),
                _ => new DeliveryResult(DeliveryOutcome.Rejected, $"unknown channel type '{entry.Channel.Type}'"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, $"no answer within {_options.DeliveryTimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}");
        }
    }

    private async Task<DeliveryResult> PostAsync(string url, byte[] body, OutboxEntry entry, string? signWith, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(IdHeader, entry.Id);
        request.Headers.Add("X-Pulso-Event", AlertVocabulary.Firing);
        request.Headers.Add("X-Pulso-Attempt", (entry.Attempts + 1).ToString(CultureInfo.InvariantCulture));
        if (signWith is not null)
        {
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(signWith, time.GetUtcNow().ToUnixTimeSeconds(), body));
        }

        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return DeliveryResult.FromStatus((int)response.StatusCode);
    }

    private async Task<DeliveryResult> SendEmailAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var sendGrid = _options.SendGrid;
        if (!sendGrid.IsConfigured)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, $"{AlertOptions.Section}:SendGrid:ApiKey is not configured");
        }

        var n = entry.Notification;
        var message = new SendGridMessage { From = new EmailAddress(sendGrid.From, sendGrid.FromName), Subject = NotificationText.Subject(n) };
        message.AddTos([.. (entry.Channel.To ?? []).Select(a => new EmailAddress(a))]);
        message.AddContent(MimeType.Text, NotificationText.PlainBody(n));
        message.AddContent(MimeType.Html, "<pre>" + WebUtility.HtmlEncode(NotificationText.PlainBody(n)) + "</pre>");
        message.AddCustomArg(SendGridIdArgument, n.Id);
        message.AddHeader(IdHeader, n.Id);

        var client = new SendGridClient(clients.CreateClient(HttpClientName), new SendGridClientOptions { ApiKey = sendGrid.ApiKey, Host = sendGrid.Host });
        var response = await client.SendEmailAsync(message, cancellationToken);
        return DeliveryResult.FromStatus((int)response.StatusCode);
    }
}
