using System.Diagnostics;
using Pulso.Grains.Abstractions.Alerts;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Alerts;

/// <summary>
/// A fresh tenant whose gestiones fall on its current local day, applied batch by batch to the day table (which tells
/// the live feed, which tells the alert grain); rules whose channels point at the shared local receiver.
/// </summary>
internal sealed class AlertTenant
{
    public const string Contact = "Contacto Titular";
    public const string NoContact = "No Contesta";
    private int _batches;

    private AlertTenant(IGrainFactory grains, string id, DateOnly today, AlertReceiver receiver)
    {
        Grains = grains;
        Id = id;
        Today = today;
        Receiver = receiver;
    }

    public IGrainFactory Grains { get; }

    public string Id { get; }

    public DateOnly Today { get; }

    public AlertReceiver Receiver { get; }

    public IAlertGrain Alerts => Grains.GetGrain<IAlertGrain>(GrainKeys.Tenant(Id));

    public IMetricTableGrain Table => Grains.GetGrain<IMetricTableGrain>(GrainKeys.Day(Id, Today));

    public static async Task<AlertTenant> CreateAsync(IGrainFactory grains)
    {
        var id = await Tenants.CreateAsync(grains);
        var today = await grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(id)).Today();
        return new AlertTenant(grains, id, today, await AlertReceiver.SharedAsync());
    }

    /// <summary>A receiver path of this tenant's own.</summary>
    public string Path(string name) => $"/{Id}/{name}";

    public string Url(string name) => Receiver.BaseUrl + Path(name);

    /// <summary><paramref name="count"/> gestiones of <paramref name="tipificacion"/> today, as one batch.</summary>
    public async Task ApplyAsync(int count, string tipificacion, string ejecutivo = "ej-00", string canal = "LLAMADA")
    {
        var n = Interlocked.Increment(ref _batches);
        var rows = Enumerable.Range(0, count)
            .Select(i => new GestionRow(Today, 10, ejecutivo, canal, tipificacion, 0, 10_000, $"D{n:000}{i:00000}"))
            .ToList();
        Assert.False((await Table.Apply(Gestiones.DayBatch($"alerts-{n}", rows))).Duplicate);
    }

    public static AlertRule Rule(string name, string metric, string comparator, decimal threshold, params AlertChannel[] channels) =>
        new(name, metric, "tenant", comparator, threshold, "today", 0, MinGestiones: 0, CooldownMinutes: 0, channels);

    public AlertChannel Webhook(string path) => new("webhook", Url: Url(path), Secret: WebhookSecret);

    public const string WebhookSecret = "a-webhook-secret-for-the-tests";

    public async Task PutAsync(AlertRule rule)
    {
        var result = await Alerts.Put(rule);
        Assert.Empty(result.Problems);
    }

    /// <summary>The history (oldest first) once <paramref name="until"/> holds for it, or fails at the deadline.</summary>
    public async Task<List<AlertEvent>> HistoryAsync(Func<List<AlertEvent>, bool> until, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var history = (await Alerts.History(1000)).Reverse().ToList();
            if (until(history))
            {
                return history;
            }

            Assert.True(clock.Elapsed < deadline, $"history after {deadline}: {string.Join("; ", history.Select(e => $"{e.Rule} {e.Kind} {e.Volume}"))}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the outbox is empty.</summary>
    public async Task DrainedAsync(TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while ((await Alerts.Pending()) is { Count: > 0 } pending)
        {
            Assert.True(clock.Elapsed < deadline, $"still pending after {deadline}: {string.Join("; ", pending.Select(p => $"{p.Id} {p.Channel} {p.Attempts} {p.LastError}"))}");
            await Task.Delay(20);
        }
    }

    public static int Count(List<AlertEvent> history, string rule, string kind) => history.Count(e => e.Rule == rule && e.Kind == kind);
}
