namespace Pulso.Gateway.Live;

/// <summary><c>Pulso:Live</c>: the SignalR hub's coalescing and bounds.</summary>
public sealed class LiveOptions
{
    public const string Section = "Pulso:Live";

    /// <summary>Changes are gathered for this long and sent as one update per subscription (default 250 ms).</summary>
    public int CoalesceMilliseconds { get; set; } = 250;

    /// <summary>How often this gateway renews its registration with each tenant's feed (default 2 s).</summary>
    public int RenewMilliseconds { get; set; } = 2_000;

    /// <summary>Open subscriptions one connection may hold (default 32).</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 32;
}
