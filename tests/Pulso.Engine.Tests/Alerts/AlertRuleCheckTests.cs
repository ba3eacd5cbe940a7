using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Alerts;
using Pulso.Grains.Alerts.Channels;

namespace Pulso.Engine.Tests.Alerts;

public sealed class AlertRuleCheckTests
{
    private static readonly AlertRule s_valid = new(
        "contactabilidad-baja", "tasa_contactabilidad", "tenant", "lt", 20m, "today", 0, 200, 60,
        [new AlertChannel("webhook", Url: "https://receiver.test/pulso", Secret: "0123456789abcdef")]);

    [Fact]
    public void AValidRuleHasNoProblems() => Assert.Empty(AlertRuleCheck.Problems(s_valid, _ => true, emailConfigured: false));

    [Fact]
    public void EveryProblemIsNamedByItsField()
    {
        var rule = s_valid with
        {
            Name = "-bad",
            Scope = "documento",
            Window = "week",
            CooldownMinutes = -1,
            Channels = [new AlertChannel("sms"), new AlertChannel("slack", Url: "https://user:pw@hooks.slack.test/x"), new AlertChannel("email", To: [])],
        };

        var problems = AlertRuleCheck.Problems(rule, _ => false, emailConfigured: false);

        Assert.Equal(
            ["name:", "metric:", "scope:", "window:", "cooldownMinutes:", "channels[0].type:", "channels[1].url:", "channels[2].to:", "channels[2]:"],
            problems.Select(p => p[..(p.IndexOf(':', StringComparison.Ordinal) + 1)]));
    }

    [Fact]
    public void TheWebhookSignatureIsHmacSha256OfTimestampDotBody()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"t-1","value":"12.5000"}""");

        var signature = WebhookSignature.Sign("0123456789abcdef", 1_772_000_000, body);

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes("0123456789abcdef"), Encoding.UTF8.GetBytes("1772000000." + Encoding.UTF8.GetString(body)));
        Assert.Equal($"t=1772000000,v1={Convert.ToHexStringLower(expected)}", signature);
    }
}
