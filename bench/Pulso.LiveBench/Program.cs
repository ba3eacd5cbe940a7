using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

// The live benchmark's load process (bench/live-bench.sh runs it pinned to its own core):
// N hub subscribers spread over T tenants watch "today by ejecutivo" while gestiones are pushed at a fixed
// rate; every pushed batch carries one row of the probe ejecutivo, so the probe's total_gestiones counts the
// batches acknowledged. A batch's latency runs from its push's acknowledgement to the first update on a
// subscriber showing the probe at (at least) that count, on one monotonic clock. The first --warmup-seconds of pushing
// bring the silo to steady state (its code tiered up, as in a silo that has been running): their versions are checked
// like the rest, but their latencies and the silo's CPU (read from /proc when --silo-pid is given) are not reported.
var options = Options.Parse(args);
var http = new HttpClient { BaseAddress = new Uri(options.Gateway), Timeout = TimeSpan.FromSeconds(60) };
var tenants = Enumerable.Range(1, options.Tenants).Select(i => $"live-{options.Run}-{i:00}").ToList();
var zone = "UTC";
var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

using (var op = new HttpRequestMessage(HttpMethod.Get, "/readyz"))
{
    (await http.SendAsync(op)).EnsureSuccessStatusCode();
}

foreach (var tenant in tenants)
{
    using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tenants") { Content = JsonContent.Create(new { tenant, displayName = tenant, timeZone = zone, retentionDays = 30 }) };
    create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(options.Key, "ops", "operator"));
    var answer = await http.SendAsync(create);
    if (!answer.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"creating {tenant}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
    }
}

Console.Error.WriteLine($"live-bench: {tenants.Count} tenants created; connecting {options.Subscribers} subscribers");
var clock = Stopwatch.StartNew();
var acks = tenants.ToDictionary(t => t, _ => new ConcurrentDictionary<long, double>());
var latencies = new ConcurrentBag<double>();
var seen = tenants.ToDictionary(t => t, _ => new ConcurrentDictionary<int, long>());
long messages = 0, gaps = 0, outOfOrder = 0, measuredMessages = 0;
var measureFrom = double.MaxValue;
var connections = new List<HubConnection>();
var byEjecutivo = new { from = today, to = today, groupBy = new[] { "ejecutivo" } };
for (var s = 0; s < options.Subscribers; s++)
{
    var tenant = tenants[s % tenants.Count];
    var subscriber = s;
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(new Uri(options.Gateway), $"/hubs/metrics?access_token={Uri.EscapeDataString(Token(options.Key, tenant, "viewer"))}"), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        })
        .Build();
    long lastVersion = 0;
    long probeSeen = 0;
    void Receive(string kind, ProbeMessage payload)
    {
        var now = clock.Elapsed.TotalMilliseconds;
        Interlocked.Increment(ref messages);
        if (now >= Volatile.Read(ref measureFrom))
        {
            Interlocked.Increment(ref measuredMessages);
        }

        var version = payload.Version;
        if (version < lastVersion + 1)
        {
            Interlocked.Increment(ref outOfOrder);
        }
        else if (version > lastVersion + 1)
        {
            Interlocked.Increment(ref gaps);
        }

        lastVersion = version;
        if (payload.ProbeCount is { } count)
        {
            if (kind == "update")
            {
                for (var n = probeSeen + 1; n <= count; n++)
                {
                    if (acks[tenant].TryGetValue(n, out var ackedAt) && ackedAt >= Volatile.Read(ref measureFrom))
                    {
                        latencies.Add(now - ackedAt);
                    }
                }
            }

            probeSeen = Math.Max(probeSeen, count);
        }

        seen[tenant][subscriber] = probeSeen;
    }

    connection.On<string, ProbeMessage>("snapshot", (_, p) => Receive("snapshot", p));
    connection.On<string, ProbeMessage>("update", (_, p) => Receive("update", p));
    await connection.StartAsync();
    await connection.InvokeAsync<string>("Subscribe", byEjecutivo);
    connections.Add(connection);
}

// How late this process runs its own work: a 10 ms tick's overshoot, sampled in the measured part. A busy load
// process receives updates late, which would be counted against the silo; the report shows it beside the latency.
var lags = new ConcurrentBag<double>();
using var lagStop = new CancellationTokenSource();
var lagProbe = Task.Run(async () =>
{
    while (!lagStop.IsCancellationRequested)
    {
        var before = clock.Elapsed.TotalMilliseconds;
        try
        {
            await Task.Delay(10, lagStop.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }

        if (before >= Volatile.Read(ref measureFrom))
        {
            lags.Add(clock.Elapsed.TotalMilliseconds - before - 10);
        }
    }
});

Console.Error.WriteLine($"live-bench: {connections.Count} subscribed in {clock.Elapsed.TotalSeconds:F1} s; pushing {options.RowsPerSecond} rows/s for {options.WarmupSeconds} s of warm-up and {options.Seconds} s measured");
var pushStart = clock.Elapsed;
var pushers = tenants.Select((tenant, index) => PushAsync(tenant, index)).ToList();
var warmupLeft = pushStart + TimeSpan.FromSeconds(options.WarmupSeconds) - clock.Elapsed;
if (warmupLeft > TimeSpan.Zero)
{
    await Task.Delay(warmupLeft);
}

Volatile.Write(ref measureFrom, clock.Elapsed.TotalMilliseconds);
var siloCpuFrom = SiloCpuSeconds(options.SiloPid);
var pushed = await Task.WhenAll(pushers);
var siloCpu = SiloCpuSeconds(options.SiloPid) - siloCpuFrom;
await lagStop.CancelAsync();
await lagProbe;
var lagSorted = lags.Order().ToArray();
var measuredSeconds = (clock.Elapsed.TotalMilliseconds - measureFrom) / 1000;

// Every subscriber must end showing the last probe count of its tenant (nothing lost).
var deadline = clock.Elapsed + TimeSpan.FromSeconds(30);
while (clock.Elapsed < deadline && tenants.Any(t => seen[t].Count < options.Subscribers / tenants.Count || seen[t].Values.Any(v => v < acks[t].Count)))
{
    await Task.Delay(100);
}

var behind = tenants.Sum(t => seen[t].Values.Count(v => v < acks[t].Count));
foreach (var connection in connections)
{
    await connection.DisposeAsync();
}

var sorted = latencies.Order().ToArray();
double Pct(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
var report = new
{
    subscribers = options.Subscribers,
    tenants = options.Tenants,
    rowsPerSecond = options.RowsPerSecond,
    seconds = options.Seconds,
    batchesPerSecond = options.BatchesPerSecond,
    warmupSeconds = options.WarmupSeconds,
    rowsPushed = pushed.Sum(p => p.Rows),
    batchesPushed = pushed.Sum(p => p.Batches),
    measuredBatches = pushed.Sum(p => p.MeasuredBatches),
    pushErrors = pushed.Sum(p => p.Errors),
    messages,
    measuredMessages,
    measuredSeconds,
    siloCpuSeconds = siloCpu,
    latencySamples = sorted.Length,
    p50Ms = Pct(0.50),
    p99Ms = Pct(0.99),
    maxMs = sorted.Length == 0 ? double.NaN : sorted[^1],
    loadLagP50Ms = lagSorted.Length == 0 ? double.NaN : lagSorted[lagSorted.Length / 2],
    loadLagP99Ms = lagSorted.Length == 0 ? double.NaN : lagSorted[Math.Min(lagSorted.Length - 1, (int)Math.Ceiling(0.99 * lagSorted.Length) - 1)],
    versionGaps = gaps,
    versionsOutOfOrder = outOfOrder,
    subscribersBehindAtEnd = behind,
};
Console.WriteLine(JsonSerializer.Serialize(report));
return report.pushErrors == 0 && gaps == 0 && outOfOrder == 0 && behind == 0 ? 0 : 1;

// One tenant's pusher: every tick a CSV batch of rows ending with one PROBE row; the ack time recorded per probe count.
async Task<(long Rows, long Batches, long MeasuredBatches, long Errors)> PushAsync(string tenant, int index)
{
    var perTenant = options.RowsPerSecond / (double)options.Tenants;
    var batchesPerSecond = options.BatchesPerSecond;
    var rowsPerBatch = Math.Max(1, (int)Math.Round(perTenant / batchesPerSecond));
    var admin = Token(options.Key, tenant, "admin");
    var interval = TimeSpan.FromSeconds(1.0 / batchesPerSecond);
    var start = clock.Elapsed + interval * (index / (double)options.Tenants);
    long rows = 0, batches = 0, measured = 0, errors = 0, probe = 0;
    var random = new Random(index);
    var total = (int)((options.WarmupSeconds + options.Seconds) * batchesPerSecond);
    var inFlight = new List<Task>();
    for (var b = 0; b < total; b++)
    {
        // Open loop: each batch leaves at its scheduled time, whether or not the previous one was answered.
        var due = start + interval * b;
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var body = new StringBuilder("cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n");
        for (var r = 0; r < rowsPerBatch - 1; r++)
        {
            body.Append(CultureInfo.InvariantCulture, $"{tenant},{today} {random.Next(8, 20):00}:{random.Next(60):00}:00,{random.Next(100_000)},EJ{random.Next(60):00},CONTACTO DIRECTO,{random.Next(1, 500_000) / 100m:0.00},{random.Next(0, 400)},LLAMADA\n");
        }

        body.Append(CultureInfo.InvariantCulture, $"{tenant},{today} 12:00:00,P{b},PROBE,CONTACTO DIRECTO,1.00,1,LLAMADA\n");
        var batch = b;
        inFlight.Add(Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant}/gestiones") { Content = new StringContent(body.ToString(), Encoding.UTF8, "text/csv") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            request.Headers.Add("Idempotency-Key", $"{options.Run}-{tenant}-{batch}");
            HttpResponseMessage answer;
            try
            {
                answer = await http.SendAsync(request);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not answered in time (an overloaded silo): counted as an error, the run goes on.
                Interlocked.Increment(ref errors);
                return;
            }

            if (!answer.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
                return;
            }

            // The probe count this batch brings the tenant to is the number of batches acknowledged so far.
            var n = Interlocked.Increment(ref probe);
            var ackedAt = clock.Elapsed.TotalMilliseconds;
            acks[tenant][n] = ackedAt;
            if (ackedAt >= Volatile.Read(ref measureFrom))
            {
                Interlocked.Increment(ref measured);
            }

            Interlocked.Add(ref rows, rowsPerBatch);
            Interlocked.Increment(ref batches);
        }));
    }

    await Task.WhenAll(inFlight);
    return (rows, batches, measured, errors);
}

// The silo's user + system CPU seconds so far (/proc, clock ticks of 1/100 s); NaN without a pid.
static double SiloCpuSeconds(int pid)
{
    if (pid <= 0)
    {
        return double.NaN;
    }

    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

static string Token(string key, string tenant, string role) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
{
    Issuer = "pulso",
    Audience = "pulso",
    Expires = DateTime.UtcNow.AddHours(2),
    Claims = new Dictionary<string, object> { ["sub"] = $"{role}@{tenant}", ["tenant"] = tenant, ["role"] = role },
    SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
});

internal sealed record Options(string Gateway, string Key, int Subscribers, int Tenants, int RowsPerSecond, int BatchesPerSecond, int Seconds, int WarmupSeconds, int SiloPid, string Run)
{
    public static Options Parse(string[] args)
    {
        string? Find(string name)
        {
            var i = Array.IndexOf(args, $"--{name}");
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        string Get(string name, string fallback) => Find(name) ?? fallback;

        return new Options(
            Get("gateway", "http://127.0.0.1:18080"),
            Find("key") ?? Environment.GetEnvironmentVariable("PULSO_BENCH_KEY") ?? throw new ArgumentException("--key or PULSO_BENCH_KEY: the silo's signing key"),
            int.Parse(Get("subscribers", "1000"), CultureInfo.InvariantCulture),
            int.Parse(Get("tenants", "20"), CultureInfo.InvariantCulture),
            int.Parse(Get("rows-per-second", "20000"), CultureInfo.InvariantCulture),
            int.Parse(Get("batches-per-second", "10"), CultureInfo.InvariantCulture),
            int.Parse(Get("seconds", "30"), CultureInfo.InvariantCulture),
            int.Parse(Get("warmup-seconds", "0"), CultureInfo.InvariantCulture),
            int.Parse(Get("silo-pid", "0"), CultureInfo.InvariantCulture),
            Get("run", DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture)));
    }
}

/// <summary>
/// What a subscriber checks in a snapshot or update: its version and the PROBE row's <c>total_gestiones</c> (null when
/// the message has no PROBE row). Read token by token, skipping everything else: 1,000 subscribers on one core
/// parsed every message into a document before, and the load process fell behind (its own lag counted as latency).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ProbeMessageConverter))]
internal sealed record ProbeMessage(long Version, long? ProbeCount);

internal sealed class ProbeMessageConverter : System.Text.Json.Serialization.JsonConverter<ProbeMessage>
{
    public override ProbeMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        long? version = null;
        long? probe = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                version = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("rows"u8))
            {
                reader.Read();
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    var isProbe = false;
                    long? count = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("ejecutivo"u8))
                        {
                            reader.Read();
                            isProbe = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("PROBE"u8);
                        }
                        else if (reader.ValueTextEquals("total_gestiones"u8))
                        {
                            reader.Read();
                            count = reader.GetInt64();
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }

                    if (isProbe)
                    {
                        probe = count ?? throw new JsonException("the PROBE row has no total_gestiones");
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ProbeMessage(version ?? throw new JsonException("a live message without a version"), probe);
    }

    public override void Write(Utf8JsonWriter writer, ProbeMessage value, JsonSerializerOptions options) =>
        throw new NotSupportedException("the load process only reads live messages");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type}, found {reader.TokenType}");
        }
    }
}
