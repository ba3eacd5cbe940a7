using System.Collections.Concurrent;
using System.Diagnostics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Observability;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>DESIGN 8: a source's poll is a trace of its own, and the day tables it feeds are spans of that trace.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class SourceTraceTests(GrainClusterFixture fixture)
{
    private static readonly DateOnly[] s_days = [new(2026, 5, 4), new(2026, 5, 5)];

    [Fact]
    public async Task PollIsATraceReachingTheDayTablesItFeeds()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is PulsoTracing.SourceName or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        folder.WriteGestiones("1-gestiones.csv", tenant, Gestiones.Generate(61, 50, s_days));
        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "traced"));
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path)));
        var status = await source.PollNow();
        Assert.Equal(50, status.Accepted);

        var poll = Assert.Single(spans, s => s.Source.Name == PulsoTracing.SourceName && s.DisplayName == "source poll" && Equals(s.GetTagItem(PulsoTracing.TenantTag), tenant));
        Assert.Equal("traced", poll.GetTagItem("pulso.source"));
        Assert.NotEqual(ActivityStatusCode.Error, poll.Status);
        var applies = spans.Where(s => s.TraceId == poll.TraceId && s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("IMetricTableGrain/Apply", StringComparison.Ordinal)).ToList();
        Assert.Equal(s_days.Length, applies.Count);
        Assert.All(applies, apply => Assert.True(Descends(spans, apply, poll), $"{apply.DisplayName} is not under the poll's span"));
    }

    private static bool Descends(IEnumerable<Activity> spans, Activity span, Activity ancestor)
    {
        var byId = spans.Where(s => s.TraceId == span.TraceId).GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var parent = span.ParentSpanId;
        for (var hops = 0; hops < 32 && parent != default; hops++)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            if (!byId.TryGetValue(parent, out var next))
            {
                return false;
            }

            parent = next.ParentSpanId;
        }

        return false;
    }
}
