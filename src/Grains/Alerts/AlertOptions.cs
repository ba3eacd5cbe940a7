namespace Pulso.Grains.Alerts;

/// <summary>How alerts are evaluated and delivered (<c>Pulso:Alerts:*</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Pulso:Alerts";

    /// <summary>The dashboard link sent with every notification; <c>{tenant}</c> is replaced by the tenant id.</summary>
    public string DashboardUrl { get; set; } = "http://127.0.0.1:8080/?tenant={tenant}";

    /// <summary>At most one evaluation per this many milliseconds: changes arriving meanwhile are judged together.</summary>
    public int CoalesceMilliseconds { get; set; } = 100;

    /// <summary>One delivery attempt gives up after this long (a timeout is retried).</summary>
    public int DeliveryTimeoutSeconds { get; set; } = 10;

    /// <summary>The first retry waits this long; each further one twice as long, up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryBaseMilliseconds { get; set; } = 1000;

    public int RetryMaxSeconds { get; set; } = 300;

    /// <summary>Attempts before a notification is given up (and recorded as undelivered in the history).</summary>
    public int MaxAttempts { get; set; } = 40;

    /// <summary>History events kept per tenant (the oldest make room).</summary>
    public int HistoryCapacity { get; set; } = 2000;

    public SendGridOptions SendGrid { get; set; } = new();

    /// <summary>Each setting out of range, named by its key.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(DashboardUrl.Replace("{tenant}", "t", StringComparison.Ordinal), UriKind.Absolute, out _))
        {
            problems.Add($"{Section}:DashboardUrl must be an absolute URL");
        }

        Check(CoalesceMilliseconds, 0, 5_000, "CoalesceMilliseconds");
        Check(DeliveryTimeoutSeconds, 1, 120, "DeliveryTimeoutSeconds");
        Check(RetryBaseMilliseconds, 10, 60_000, "RetryBaseMilliseconds");
        Check(RetryMaxSeconds, 1, 86_400, "RetryMaxSeconds");
        Check(MaxAttempts, 1, 1_000, "MaxAttempts");
        Check(HistoryCapacity, 10, 100_000, "HistoryCapacity");
        if (!Uri.TryCreate(SendGrid.Host, UriKind.Absolute, out var host) || (host.Scheme != Uri.UriSchemeHttps && host.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{Section}:SendGrid:Host must be an http(s) URL");
        }

        return problems;

        void Check(int value, int min, int max, string key)
        {
            if (value < min || value > max)
            {
                problems.Add($"{Section}:{key} must be between {min} and {max}");
            }
        }
    }
}

/// <summary>The SendGrid account alerts are mailed through (<c>Pulso:Alerts:SendGrid:*</c>); without a key, email channels are refused.</summary>
public sealed class SendGridOptions
{
    /// <summary>The API key (a secret: never logged).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The API host; tests and staging point it at a local server.</summary>
    public string Host { get; set; } = "https://api.sendgrid.com";

    public string From { get; set; } = "alerts@pulso.invalid";

    public string FromName { get; set; } = "Pulso";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);
}
