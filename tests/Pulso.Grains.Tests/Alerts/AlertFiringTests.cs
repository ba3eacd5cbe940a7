using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Alerts;

/// <summary>Rules judged from the day tables' changes: firing, cooldown, resolving, and what each channel receives.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class AlertFiringTests(GrainClusterFixture fixture)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task FiresOnceWhenCrossedNotAgainWithinCooldownAndAgainAfterResolving()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        // "low": contactabilidad below 20 % after at least 10 gestiones, cooling down for an hour; "low-again": the same without cooldown.
        await t.PutAsync(AlertTenant.Rule("low", "tasa_contactabilidad", "lt", 20m, t.Webhook("low")) with { MinGestiones = 10, CooldownMinutes = 60 });
        await t.PutAsync(AlertTenant.Rule("low-again", "tasa_contactabilidad", "lt", 20m, t.Webhook("low-again")) with { MinGestiones = 10 });

        // Below the minimum volume nothing is judged; at 15 gestiones (0 % contact) both rules fire, once.
        await t.ApplyAsync(5, AlertTenant.NoContact);
        await t.ApplyAsync(10, AlertTenant.NoContact);
        var history = await t.HistoryAsync(h => h.Count == 2, s_patience);
        Assert.All(history, e => Assert.Equal(("firing", 15L, 0m), (e.Kind, e.Volume, e.Value)));

        // Still below: still firing, nothing new. A canary rule that fires at 25 gestiones proves this was judged.
        await t.PutAsync(AlertTenant.Rule("canary-25", "total_gestiones", "gte", 25m, t.Webhook("canary")));
        await t.ApplyAsync(10, AlertTenant.NoContact);
        history = await t.HistoryAsync(h => AlertTenant.Count(h, "canary-25", "firing") == 1, s_patience);
        Assert.Equal(1, AlertTenant.Count(history, "low", "firing"));
        Assert.Equal(1, AlertTenant.Count(history, "low-again", "firing"));

        // 40 contacts of 65: 61.5385 % resolves both.
        await t.ApplyAsync(40, AlertTenant.Contact);
        history = await t.HistoryAsync(h => AlertTenant.Count(h, "low", "resolved") == 1 && AlertTenant.Count(h, "low-again", "resolved") == 1, s_patience);
        Assert.Equal(61.5385m, history.Single(e => e.Rule == "low" && e.Kind == "resolved").Value);

        // Crossed again (40 of 265: 15.0943 %): "low" fired less than an hour ago and stays quiet; "low-again" fires again.
        await t.PutAsync(AlertTenant.Rule("canary-265", "total_gestiones", "gte", 265m, t.Webhook("canary")));
        await t.ApplyAsync(200, AlertTenant.NoContact);
        history = await t.HistoryAsync(h => AlertTenant.Count(h, "canary-265", "firing") == 1, s_patience);
        Assert.Equal(2, AlertTenant.Count(history, "low-again", "firing"));
        Assert.Equal(15.0943m, history.Last(e => e.Rule == "low-again").Value);
        Assert.Equal(1, AlertTenant.Count(history, "low", "firing"));

        await t.DrainedAsync(s_patience);
        Assert.Single(t.Receiver.On(t.Path("low")));
        var again = t.Receiver.On(t.Path("low-again"));
        Assert.Equal(2, again.Count);
        Assert.Equal(history.Where(e => e.Rule == "low-again" && e.Kind == "firing").Select(e => e.NotificationId), again.Select(r => r.Header("X-Pulso-Notification-Id")));
        Assert.NotEqual(again[0].Header("X-Pulso-Notification-Id"), again[1].Header("X-Pulso-Notification-Id"));
        var low = (await t.Alerts.Get("low"))!;
        Assert.Empty(low.FiringGroups);
        Assert.Equal(history.Single(e => e.Rule == "low" && e.Kind == "firing").At, low.LastFiredAt);
        Assert.Equal([string.Empty], (await t.Alerts.Get("low-again"))!.FiringGroups);
    }

    [Fact]
    public async Task EachChannelReceivesTheFiringWithItsIdAndTheWebhookIsSigned()
    {
        var t = await AlertTenant.CreateAsync(fixture.Client);
        var email = new AlertChannel("email", To: ["supervisor@cobranza.test", "jefe@cobranza.test"]);
        var slack = new AlertChannel("slack", Url: t.Url("slack"));
        await t.PutAsync(AlertTenant.Rule("pocos-contactos", "contactos", "lt", 3m, t.Webhook("hook"), slack, email) with { Scope = "ejecutivo", MinGestiones = 4 });

        await t.ApplyAsync(5, AlertTenant.NoContact, ejecutivo: "ej-07");
        await t.ApplyAsync(5, AlertTenant.Contact, ejecutivo: "ej-08");
        var firing = Assert.Single(await t.HistoryAsync(h => h.Count == 1, s_patience));
        Assert.Equal(("ej-07", 0m, 5L), (firing.Group, firing.Value, firing.Volume));
        var id = firing.NotificationId!;
        await t.DrainedAsync(s_patience);

        // The generic webhook: the body names the firing, the signature verifies with the shared secret.
        var hook = Assert.Single(t.Receiver.On(t.Path("hook")));
        Assert.Equal(id, hook.Header("X-Pulso-Notification-Id"));
        var signature = hook.Header("X-Pulso-Signature")!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(AlertTenant.WebhookSecret), Encoding.UTF8.GetBytes($"{signature["t"]}.{hook.Text}"));
        Assert.Equal(Convert.ToHexStringLower(expected), signature["v1"]);
        Assert.InRange(long.Parse(signature["t"], System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var body = JsonDocument.Parse(hook.Body);
        var root = body.RootElement;
        Assert.Equal((id, "firing", t.Id, "pocos-contactos", "contactos", "ejecutivo", "ej-07"),
            (root.GetProperty("id").GetString(), root.GetProperty("event").GetString(), root.GetProperty("tenant").GetString(), root.GetProperty("rule").GetString(),
             root.GetProperty("metric").GetString(), root.GetProperty("scope").GetString(), root.GetProperty("group").GetString()));
        Assert.Equal(("0", "lt", "3", 5L), (root.GetProperty("value").GetString(), root.GetProperty("comparator").GetString(), root.GetProperty("threshold").GetString(), root.GetProperty("gestiones").GetInt64()));
        Assert.Equal($"https://pulso.test/dashboard?tenant={t.Id}", root.GetProperty("dashboardUrl").GetString());

        // Slack: Block Kit with the figure, the threshold and a button to the dashboard.
        var slackPost = Assert.Single(t.Receiver.On(t.Path("slack")));
        Assert.Equal(id, slackPost.Header("X-Pulso-Notification-Id"));
        using var message = JsonDocument.Parse(slackPost.Body);
        var blocks = message.RootElement.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["header", "section", "actions", "context"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Contains("*contactos* is *0* for ejecutivo ej-07", blocks[1].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(blocks[1].GetProperty("fields").EnumerateArray(), f => f.GetProperty("text").GetString() == "*Threshold*\n&lt; 3");
        Assert.Equal($"https://pulso.test/dashboard?tenant={t.Id}", blocks[2].GetProperty("elements")[0].GetProperty("url").GetString());
        Assert.Contains(id, blocks[3].GetProperty("elements")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(message.RootElement.GetProperty("text").GetString()));

        // SendGrid: the v3 mail/send payload, from the real client, with the id as a custom argument and a header.
        var mail = Assert.Single(t.Receiver.On("/v3/mail/send"), r => r.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal($"Bearer {PulsoTestSilo.SendGridKey}", mail.Header("Authorization"));
        using var payload = JsonDocument.Parse(mail.Body);
        var p = payload.RootElement;
        Assert.Equal("alerts@pulso.test", p.GetProperty("from").GetProperty("email").GetString());
        var personalization = Assert.Single(p.GetProperty("personalizations").EnumerateArray());
        Assert.Equal(["supervisor@cobranza.test", "jefe@cobranza.test"], personalization.GetProperty("to").EnumerateArray().Select(a => a.GetProperty("email").GetString()));
        Assert.Equal(id, personalization.GetProperty("custom_args").GetProperty("pulso_notification_id").GetString());
        Assert.Equal(id, personalization.GetProperty("headers").GetProperty("X-Pulso-Notification-Id").GetString());
        Assert.StartsWith("[Pulso] pocos-contactos firing: contactos 0 for ejecutivo ej-07", p.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Equal(["text/plain", "text/html"], p.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("type").GetString()));
    }
}
