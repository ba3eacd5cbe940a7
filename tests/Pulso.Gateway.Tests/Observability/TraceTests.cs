using System.Diagnostics;
using System.Net;
using Pulso.Gateway.Tests.Support;

namespace Pulso.Gateway.Tests.Observability;

/// <summary>
/// DESIGN 8: one trace follows a request from the gateway into the grains (Orleans activity propagation), and what
/// is logged on the way names the tenant and the trace, never the caller's token.
/// </summary>
public sealed class TraceTests(TracingFactory factory) : IClassFixture<TracingFactory>
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task PushIsOneTraceFromTheRouteThroughTheIngestAndDayGrains()
    {
        var tenant = await factory.NewTenantAsync("traced");
        using var client = factory.Client(tenant);
        using var response = await Http.Push(client, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"), idempotencyKey: "trace-1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var request = await SpanAsync(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"
            && Equals(s.GetTagItem("http.route"), "/api/v1/tenants/{tenant}/gestiones") && Equals(s.GetTagItem("pulso.tenant"), tenant));
        var trace = request.TraceId;
        var ingest = await SpanAsync(s => s.TraceId == trace && s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("IIngestGrain/Push", StringComparison.Ordinal));
        var day = await SpanAsync(s => s.TraceId == trace && s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("IMetricTableGrain/Apply", StringComparison.Ordinal));

        // Each grain's server span descends from the request's span, through the client span of the call that reached it.
        Assert.True(Descends(ingest, request), $"{ingest.DisplayName} is not under the request's span");
        Assert.True(Descends(day, ingest), $"{day.DisplayName} is not under {ingest.DisplayName}");
        Assert.Equal(tenant, ingest.GetTagItem("pulso.tenant"));
        Assert.Equal(tenant, day.GetTagItem("pulso.tenant"));
        Assert.DoesNotContain(Spans(trace), s => s.Status == ActivityStatusCode.Error);
    }

    [Fact]
    public async Task PushLogNamesTenantAndTraceAndNeverTheToken()
    {
        var tenant = await factory.NewTenantAsync("logged");
        var token = factory.Token(tenant, "admin");
        using var client = factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.Push(client, tenant, Http.Body(Rows.Csv(Rows.Sample(tenant)), "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var line = await Eventually(() => factory.Lines.FirstOrDefault(l =>
            l.Category == "Pulso.Gateway.Ingest" && l.Scopes.TryGetValue("Tenant", out var t) && Equals(t, tenant)));
        Assert.StartsWith("Push of gestiones: Applied", line.Message, StringComparison.Ordinal);
        var traceId = Assert.IsType<string>(line.Scopes["TraceId"]);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var request = await SpanAsync(s => s.Kind == ActivityKind.Server && s.TraceId.ToHexString() == traceId);
        Assert.Equal(tenant, request.GetTagItem("pulso.tenant"));

        // The token is in no log line, no scope and no span tag of this trace.
        Assert.DoesNotContain(factory.Lines, l => l.Message.Contains(token, StringComparison.Ordinal)
            || l.Scopes.Values.Any(v => v?.ToString()?.Contains(token, StringComparison.Ordinal) == true));
        Assert.DoesNotContain(Spans(request.TraceId), s => s.TagObjects.Any(t => t.Value?.ToString()?.Contains(token, StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task ProbesAndScrapesAreNotTraced()
    {
        using var client = factory.Anonymous();
        var before = factory.Spans.Count(s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        using var missing = await client.GetAsync(new Uri("/no-such-route", UriKind.Relative));
        await SpanAsync(s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("url.path"), "/no-such-route"));
        Assert.DoesNotContain(factory.Spans, s => s.Source.Name == "Microsoft.AspNetCore"
            && (Equals(s.GetTagItem("url.path"), "/healthz") || Equals(s.GetTagItem("url.path"), "/metrics")));
        Assert.True(factory.Spans.Count(s => s.Source.Name == "Microsoft.AspNetCore") > before);
    }

    private List<Activity> Spans(ActivityTraceId trace) => [.. factory.Spans.Where(s => s.TraceId == trace)];

    /// <summary>Whether <paramref name="span"/> has <paramref name="ancestor"/> among its parents (within the recorded spans).</summary>
    private bool Descends(Activity span, Activity ancestor)
    {
        var byId = factory.Spans.Where(s => s.TraceId == span.TraceId).GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
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

    private Task<Activity> SpanAsync(Func<Activity, bool> match) => Eventually(() => factory.Spans.FirstOrDefault(match));

    /// <summary>Spans end (and lines are written) as the request finishes, a moment after its answer: wait with a deadline.</summary>
    private static async Task<T> Eventually<T>(Func<T?> find)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }

            Assert.True(deadline.Elapsed < s_patience, $"not seen within {s_patience.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
