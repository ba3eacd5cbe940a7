using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Prometheus;
using Pulso.Grains.Observability;

namespace Pulso.Silo.Observability;

/// <summary>
/// Orleans' own count of grain activations (instrument <c>orleans-grains</c> of meter <c>Microsoft.Orleans</c>, an
/// up-down counter tagged with the grain type) as Prometheus gauges of this silo:
/// <c>pulso_orleans_grain_activations{kind}</c> per grain type and <c>pulso_orleans_activations</c>, their sum
/// (Orleans' own grains such as the reminder table included). Measurements are summed as they arrive; an observable
/// instrument would be read just before each scrape.
/// </summary>
internal sealed class OrleansActivationMetrics : IHostedService, IDisposable
{
    private const string OrleansMeter = "Microsoft.Orleans";
    private const string GrainsInstrument = "orleans-grains";

    private static readonly Gauge s_activations = Metrics.CreateGauge(
        "pulso_orleans_activations", "Grain activations on this silo, every grain type (Orleans' own included).");

    private static readonly Gauge s_grainActivations = Metrics.CreateGauge(
        "pulso_orleans_grain_activations", "Grain activations on this silo by grain type.", "kind");

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _grains = new(StringComparer.Ordinal);
    private readonly Action _beforeScrape;

    public OrleansActivationMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OrleansMeter && instrument.Name == GrainsInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _beforeScrape = () => _listener.RecordObservableInstruments();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Every series a silo serves exists from start-up, at zero, not from the first grain that touches it: a silo
        // that has just joined is scraped like the others (PulsoMetrics' fields are created on first use otherwise).
        RuntimeHelpers.RunClassConstructor(typeof(PulsoMetrics).TypeHandle);
        s_activations.Set(0);
        _listener.Start();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(_beforeScrape);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var kind = Kind(tags);
        var count = instrument.IsObservable ? _grains[kind] = value : _grains.AddOrUpdate(kind, value, (_, known) => known + value);
        s_grainActivations.WithLabels(kind).Set(count);
        s_activations.Set(_grains.Values.Sum());
    }

    /// <summary>The grain type name (Orleans tags it with the short type name; a full name is cut to its last part).</summary>
    private static string Kind(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Value is string type)
            {
                var name = type.Split(',')[0];
                var dot = name.LastIndexOf('.');
                return dot < 0 ? name : name[(dot + 1)..];
            }
        }

        return "unknown";
    }
}
