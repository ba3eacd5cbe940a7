namespace Pulso.Grains.Alerts.Channels;

public enum DeliveryOutcome
{
    /// <summary>The receiver answered 2xx: done.</summary>
    Delivered,

    /// <summary>A 5xx, 408, 429, a timeout or a network failure: try again later.</summary>
    Retry,

    /// <summary>Any other answer (a 4xx): sending the same request again would get the same answer.</summary>
    Rejected,
}

/// <summary>How one delivery attempt went, with the reason when it did not succeed.</summary>
public readonly record struct DeliveryResult(DeliveryOutcome Outcome, string? Error = null)
{
    public static DeliveryResult FromStatus(int status) => status switch
    {
        >= 200 and < 300 => new DeliveryResult(DeliveryOutcome.Delivered),
        408 or 429 or >= 500 => new DeliveryResult(DeliveryOutcome.Retry, $"HTTP {status}"),
        _ => new DeliveryResult(DeliveryOutcome.Rejected, $"HTTP {status}"),
    };
}
