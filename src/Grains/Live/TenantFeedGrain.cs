using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Live;
using Pulso.Grains.Abstractions.Tenancy;

namespace Pulso.Grains.Live;

/// <summary>
/// One tenant's live bridge: a list of gateway observers (expiring unless renewed) and the latest version seen per
/// day. Holds no figures and waits on no grain: tables tell it, it tells the gateways and the tenant's alert grain,
/// one-way all the way down.
/// </summary>
[Reentrant]
public sealed class TenantFeedGrain(ILogger<TenantFeedGrain> logger, TimeProvider time) : Grain, ITenantFeedGrain
{
    /// <summary>A gateway that has not renewed for this long is dropped (gateways renew every 2 s).</summary>
    public static readonly TimeSpan ObserverExpiration = TimeSpan.FromSeconds(8);

    /// <summary>Days whose versions are kept for renewals (the most recently changed ones).</summary>
    private const int MaxDaysKept = 400;

    private readonly ObserverManager<IMetricFeedObserver> _observers = new(ObserverExpiration, logger);
    private readonly Dictionary<DateOnly, long> _days = [];
    private long _epoch;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The epoch must keep growing across activations (a silo restart moves this grain): gateways ignore an epoch
        // they have seen, so one starting again from 0 would hide the next homologation change from every dashboard.
        // Starting from the clock also tells the gateways that renew here that notices may have been lost meanwhile:
        // they refresh their views with a snapshot.
        _epoch = time.GetUtcNow().ToUnixTimeMilliseconds();
        return Task.CompletedTask;
    }

    public Task<FeedState> Subscribe(IMetricFeedObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        return Task.FromResult(new FeedState(_epoch, new Dictionary<DateOnly, long>(_days)));
    }

    public Task Unsubscribe(IMetricFeedObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task PublishDay(DayChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_days.TryGetValue(change.Day, out var known) && known >= change.Version)
        {
            return;
        }

        _days[change.Day] = change.Version;
        if (_days.Count > MaxDaysKept)
        {
            _days.Remove(_days.Keys.Min());
        }

        await Alerts.OnDayChanged(change);
        await _observers.Notify(o => o.OnDayChanged(change));
    }

    public async Task PublishTenant()
    {
        var epoch = ++_epoch;
        var tenant = this.GetPrimaryKeyString();
        await Alerts.OnTenantChanged();
        await _observers.Notify(o => o.OnTenantChanged(tenant, epoch));
    }

    /// <summary>The tenant's alert grain (its methods called from here are one-way).</summary>
    private IAlertGrain Alerts => GrainFactory.GetGrain<IAlertGrain>(GrainKeys.Tenant(this.GetPrimaryKeyString()));
}
