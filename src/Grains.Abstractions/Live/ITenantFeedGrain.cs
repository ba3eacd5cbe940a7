using Orleans.Concurrency;

namespace Pulso.Grains.Abstractions.Live;

/// <summary>
/// The live bridge of one tenant (key: the tenant id). Day tables publish what a batch changed, the tenant grain
/// publishes homologation and settings changes, and the feed passes both on to the gateways subscribed to the
/// tenant. Gateways renew their registration every couple of seconds; one that stops renewing (it died) expires.
/// Notifications are one-way and may be lost; the renewal answer carries the versions published so far, so a
/// gateway notices a missed change at its next renewal.
/// </summary>
[Alias("pulso.ITenantFeedGrain")]
public interface ITenantFeedGrain : IGrainWithStringKey
{
    /// <summary>Registers (or renews) a gateway's observer; the versions published so far.</summary>
    [Alias("Subscribe")]
    Task<FeedState> Subscribe(IMetricFeedObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IMetricFeedObserver observer);

    /// <summary>A day table applied a batch (sent one-way by the table after the batch is durable).</summary>
    [Alias("PublishDay"), OneWay]
    Task PublishDay(DayChange change);

    /// <summary>The homologation or the tenant's metrics changed: every figure may have moved.</summary>
    [Alias("PublishTenant"), OneWay]
    Task PublishTenant();
}

/// <summary>A gateway's end of the bridge: told what changed, it recomputes the subscriptions it serves.</summary>
[Alias("pulso.IMetricFeedObserver")]
public interface IMetricFeedObserver : IGrainObserver
{
    [Alias("OnDayChanged"), OneWay]
    Task OnDayChanged(DayChange change);

    /// <summary>Every figure of the tenant may have changed (new homologation or metrics); <paramref name="epoch"/> counts such changes.</summary>
    [Alias("OnTenantChanged"), OneWay]
    Task OnTenantChanged(string tenant, long epoch);
}

/// <summary>
/// A batch applied to <see cref="Day"/> of <see cref="Tenant"/>, leaving the table at <see cref="Version"/>; the
/// ejecutivos whose cells it touched (gestiones or jornadas), so that a filtered view can tell it is not concerned;
/// and when the table applied it (its silo's wall clock, for the notice's delay in the gateways' metrics).
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.DayChange")]
public sealed record DayChange(
    [property: Id(0)] string Tenant,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] long Version,
    [property: Id(3)] string[] Ejecutivos,
    [property: Id(4)] DateTimeOffset? AppliedAt = null);

/// <summary>What a feed has published: the tenant-wide change count and the latest version of each day it has seen.</summary>
[GenerateSerializer, Immutable, Alias("pulso.FeedState")]
public sealed record FeedState(
    [property: Id(0)] long Epoch,
    [property: Id(1)] IReadOnlyDictionary<DateOnly, long> Days);
