using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulso.RollingRestart;

// The rolling restart of DESIGN 8 / issue 8, on loopback: three silos (PostgreSQL membership, Redis state), two
// standalone gateways, a dashboard subscribed over SignalR and gestiones pushed through both gateways while each silo
// in turn is stopped with SIGTERM and replaced. Run by scripts/rolling-restart-test.sh, which passes the settings in
// the environment; prints what it measured and one line `rolling: PASS|FAIL ...` per check; exit code 0 when all pass.
var settings = new Settings(
    SiloDll: Required("PULSO_ROLLING_SILO_DLL"),
    GatewayDll: Required("PULSO_ROLLING_GATEWAY_DLL"),
    Postgres: Required("PULSO_TEST_POSTGRES"),
    Redis: Required("PULSO_TEST_REDIS"),
    WorkDir: Required("PULSO_ROLLING_WORK"),
    ProbeSeconds: Number("PULSO_ROLLING_PROBE_SECONDS", 2),
    SteadySeconds: Number("PULSO_ROLLING_STEADY_SECONDS", 4),
    ResponseTimeoutSeconds: Number("PULSO_ROLLING_RESPONSE_TIMEOUT_SECONDS", 10));
const string Tenant = "rolling";
const double SyncLimitSeconds = 5;
var day = new DateOnly(2026, 2, 2);
var admin = Tokens.Issue(Settings.SigningKey, Tenant, "admin");
var checks = new List<(bool Pass, string What)>();

await using var cluster = new Cluster(settings);
var clock = Stopwatch.StartNew();
void Say(string text) => Console.WriteLine($"    [{clock.Elapsed.TotalSeconds,6:0.0} s] {text}");

try
{
    var silos = new List<Node> { cluster.StartSilo(), cluster.StartSilo(), cluster.StartSilo() };
    await Until(async () => await cluster.ActiveSilosAsync() >= 3, TimeSpan.FromSeconds(120), "three active silos");
    var gateways = new[] { cluster.StartGateway("gateway-a"), cluster.StartGateway("gateway-b") };
    using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    await Until(async () => (await Task.WhenAll(gateways.Select(g => Status(probe, new Uri(g.Http, "/readyz"))))).All(s => s == 200), TimeSpan.FromSeconds(60), "both gateways ready");
    Say($"3 silos active, 2 gateways ready ({string.Join(", ", cluster.Nodes.Select(n => $"{n.Name} pid {n.Process.Id}"))})");

    await SetUpTenantAsync(gateways[0].Http, gateways[1].Http);
    var flow = new Flow([.. gateways.Select(g => g.Http)], Tenant, admin, day);
    var query = new Dictionary<string, object>
    {
        ["from"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["groupBy"] = new[] { "ejecutivo" },
        ["metrics"] = new[] { "total_gestiones", "contactos", "compromisos", "saldo_total" },
    };
    await using var view = await LiveView.OpenAsync(gateways[0].Http, Tokens.Issue(Settings.SigningKey, Tenant, "viewer"), query, () => flow.Now);
    await Until(() => Task.FromResult(view.Read().InOrder), TimeSpan.FromSeconds(20), "the dashboard's first snapshot");

    // The dashboard's staleness and both gateways' readiness, sampled through the run.
    using var stop = new CancellationTokenSource();
    var samples = new List<(double At, double Staleness)>();
    var notReady = new List<string>();
    var sampler = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var tick = 0;
        while (await timer.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
        {
            var at = flow.Now;
            var staleness = flow.Staleness(at, view.Total());
            lock (samples)
            {
                samples.Add((at, staleness));
            }

            if (++tick % 5 == 0)
            {
                foreach (var gateway in gateways)
                {
                    var status = await Status(probe, new Uri(gateway.Http, "/readyz"));
                    if (status != 200)
                    {
                        lock (notReady)
                        {
                            notReady.Add($"{gateway.Name} /readyz {status} at {flow.Now:0.0} s");
                        }
                    }
                }
            }
        }
    });
    var pushers = Enumerable.Range(1, 2).Select(i => Task.Run(() => flow.RunPusherAsync($"pusher-{i}", TimeSpan.FromMilliseconds(100), stop.Token))).ToList();
    await Until(() => Task.FromResult(flow.Now >= settings.SteadySeconds && flow.Acked > 0), TimeSpan.FromSeconds(60), "gestiones flowing");
    Say($"gestiones flowing: {flow.Acked} rows acknowledged");

    var restarts = new List<(string Old, string New, double Stopped, double Exited, double Joined, int ExitCode)>();
    var perRestart = new List<object>();
    for (var i = 0; i < 3; i++)
    {
        var old = silos[i];
        var stopped = flow.Now;
        Cluster.Terminate(old);
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await old.Process.WaitForExitAsync(exit.Token);
        }

        var exited = flow.Now;
        var replacement = cluster.StartSilo();
        silos.Add(replacement);
        await Until(async () => await cluster.ActiveSilosAsync() >= 3, TimeSpan.FromSeconds(90), $"{replacement.Name} to join");
        var joined = flow.Now;
        restarts.Add((old.Name, replacement.Name, stopped, exited, joined, old.Process.ExitCode));
        Say($"{old.Name} SIGTERMed at {stopped:0.0} s, exited (code {old.Process.ExitCode}) after {exited - stopped:0.0} s; {replacement.Name} active {joined - exited:0.0} s later");
        var ackedAtJoin = flow.Acked;
        await Until(() => Task.FromResult(flow.Now >= joined + settings.SteadySeconds && flow.Acked > ackedAtJoin), TimeSpan.FromSeconds(60), "gestiones flowing again");
    }

    await stop.CancelAsync();
    await Task.WhenAll(pushers);
    await sampler;
    var end = flow.Now;
    Say($"flow stopped: {flow.Acked} rows in {flow.Acked / Flow.RowsPerPush} pushes, {flow.FailedAttempts} failed attempts retried");

    // The dashboard ends equal to what was acknowledged, and so does the REST snapshot.
    var expected = flow.Expected;
    double? finalSync = null;
    await Until(() =>
    {
        var (rows, inOrder) = view.Read();
        if (inOrder && Differences(rows, expected).Count == 0)
        {
            finalSync = flow.Now - end;
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }, TimeSpan.FromSeconds(SyncLimitSeconds), "the dashboard to show the final figures", fail: false);
    var liveDifferences = Differences(view.Read().Rows, expected);
    Check(liveDifferences.Count == 0 && finalSync is not null,
        $"dashboard equals the acknowledged figures {(finalSync is { } s ? $"{s:0.00} s after the last push" : "never")} {string.Join("; ", liveDifferences.Take(3))}");
    var rest = await SnapshotAsync(gateways[1].Http);
    var restDifferences = Differences(rest, expected);
    Check(restDifferences.Count == 0,
        $"REST snapshot exact: {expected.Values.Sum(f => f.Total)} gestiones over {expected.Count} ejecutivos, none lost, none twice {string.Join("; ", restDifferences.Take(3))}");

    // A homologation change after the restarts (the tenant's live feed has moved to another silo at least once) reaches
    // the dashboard at once: VOLVER A LLAMAR now counts as a contact.
    var changed = flow.Now;
    await PutHomologationAsync(gateways[1].Http, volverEsContacto: true);
    var remapped = expected.ToDictionary(e => e.Key, e => e.Value with { Contactos = e.Value.Contactos + e.Value.VolverALlamar }, StringComparer.Ordinal);
    double? remapSeconds = null;
    await Until(() =>
    {
        var (rows, inOrder) = view.Read();
        if (inOrder && Differences(rows, remapped).Count == 0)
        {
            remapSeconds = flow.Now - changed;
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }, TimeSpan.FromSeconds(SyncLimitSeconds), "the dashboard to show the new homologation", fail: false);
    Check(remapSeconds is not null,
        $"a homologation change after the restarts reached the dashboard {(remapSeconds is { } m ? $"in {m:0.00} s" : $"not within {SyncLimitSeconds} s")} {string.Join("; ", Differences(view.Read().Rows, remapped).Take(3))}");

    // Every restart: graceful exit, the dashboard never more than the limit behind, no long 5xx window.
    var windows = flow.FailureWindows;
    var recoveries = view.Recoveries;
    for (var i = 0; i < restarts.Count; i++)
    {
        var r = restarts[i];
        var until = i + 1 < restarts.Count ? restarts[i + 1].Stopped : end;
        double worst;
        lock (samples)
        {
            worst = samples.Where(s => s.At >= r.Stopped && s.At < until).Select(s => s.Staleness).DefaultIfEmpty(0).Max();
        }

        var failing = windows.Where(w => w.To >= r.Stopped && w.From < until).ToList();
        var longest = failing.Select(w => w.To - w.From).DefaultIfEmpty(0).Max();
        var slowest = flow.Attempts.Where(a => a.At >= r.Stopped && a.At < until).Select(a => a.Seconds).DefaultIfEmpty(0).Max();
        perRestart.Add(new
        {
            shutdown_seconds = Math.Round(r.Exited - r.Stopped, 2),
            join_seconds = Math.Round(r.Joined - r.Exited, 2),
            dashboard_behind_max_seconds = Math.Round(worst, 2),
            longest_failure_window_seconds = Math.Round(longest, 2),
            slowest_push_seconds = Math.Round(slowest, 2),
        });
        Say($"restart {i + 1} ({r.Old} -> {r.New}): shutdown {r.Exited - r.Stopped:0.00} s, join {r.Joined - r.Exited:0.00} s, dashboard at most {worst:0.00} s behind, "
            + $"{failing.Count} push failure windows (longest {longest:0.00} s), slowest push {slowest:0.00} s, {recoveries.Count(x => x.At >= r.Stopped && x.At < until)} resubscriptions");
        Check(r.ExitCode == 0, $"{r.Old} left gracefully after SIGTERM (exit code {r.ExitCode})");
        Check(worst <= SyncLimitSeconds, $"restart {i + 1}: the dashboard was at most {worst:0.00} s behind the acknowledged pushes (limit {SyncLimitSeconds} s)");
        Check(longest <= settings.ProbeSeconds, $"restart {i + 1}: longest window of failed pushes {longest:0.00} s (limit: one membership probe period, {settings.ProbeSeconds} s)");
    }

    foreach (var w in windows)
    {
        Say($"push failure window {w.From:0.00}-{w.To:0.00} s ({w.To - w.From:0.00} s) {w.Pusher}: {w.What}");
    }

    foreach (var r in recoveries)
    {
        Say($"resubscribed at {r.At:0.00} s ({r.Why}), snapshot after {r.Seconds:0.00} s");
    }

    Check(recoveries.All(r => r.Seconds <= SyncLimitSeconds) && view.ResyncSince is null,
        $"every gap recovered by resubscribe + snapshot within {SyncLimitSeconds} s ({recoveries.Count} gaps, {view.Messages} messages)");
    Check(notReady.Count == 0, $"both gateways answered /readyz 200 throughout ({string.Join("; ", notReady.Take(3))})");
    // A grain call whose answer is lost (a gateway silo that stopped meanwhile) ends only at the response timeout; the
    // gateway then sends the push again. The silos drain their Orleans clients before they stop, so none should wait.
    var retries = GatewayRetries(gateways);
    Check(flow.SlowestAttempt < settings.ResponseTimeoutSeconds,
        $"no push waited out a lost answer: slowest push answered in {flow.SlowestAttempt:0.00} s (Pulso:Cluster:ResponseTimeoutSeconds {settings.ResponseTimeoutSeconds} s); "
        + $"the gateways called the ingest path again {retries.Count} times{(retries.Count > 0 ? $" ({string.Join("; ", retries.Take(3))})" : string.Empty)}");
    CheckLogs(gateways, admin);

    // What a Prometheus would scrape after the run, for scripts/rolling-restart-test.sh to check with promtool.
    // A silo that applied batches (a silo that has just joined may have been given no grain yet).
    var scrapes = await Task.WhenAll(silos.Where(n => n.Running).Select(n => probe.GetStringAsync(new Uri(n.Http, "/metrics"))));
    var busy = scrapes.FirstOrDefault(m => m.Contains("pulso_batches_total{", StringComparison.Ordinal)) ?? scrapes[0];
    await File.WriteAllTextAsync(Path.Combine(settings.WorkDir, "metrics-silo.prom"), busy);
    await File.WriteAllTextAsync(Path.Combine(settings.WorkDir, "metrics-gateway.prom"), await probe.GetStringAsync(new Uri(gateways[0].Http, "/metrics")));

    var summary = new
    {
        silos = 3,
        gateways = 2,
        pushes = flow.Acked / Flow.RowsPerPush,
        rows = flow.Acked,
        failed_attempts = flow.FailedAttempts,
        longest_failure_window_seconds = Math.Round(windows.Select(w => w.To - w.From).DefaultIfEmpty(0).Max(), 2),
        slowest_attempt_seconds = Math.Round(flow.SlowestAttempt, 2),
        push_p50_seconds = Math.Round(Percentile(flow.Attempts.Select(a => a.Seconds), 0.50), 3),
        push_p99_seconds = Math.Round(Percentile(flow.Attempts.Select(a => a.Seconds), 0.99), 3),
        gateway_retries = retries.Count,
        max_dashboard_staleness_seconds = Math.Round(samples.Where(s => s.At >= restarts[0].Stopped).Select(s => s.Staleness).DefaultIfEmpty(0).Max(), 2),
        steady_dashboard_staleness_p50_seconds = Math.Round(Median(samples.Where(s => s.At < restarts[0].Stopped).Select(s => s.Staleness)), 2),
        resubscriptions = recoveries.Count,
        final_sync_seconds = finalSync is { } f ? Math.Round(f, 2) : (double?)null,
        homologation_change_seconds = remapSeconds is { } h ? Math.Round(h, 2) : (double?)null,
        restarts = perRestart,
        seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
    };
    Console.WriteLine($"    summary {JsonSerializer.Serialize(summary)}");
}
catch (Exception e)
{
    Check(false, $"the run could not finish: {e.GetType().Name}: {e.Message}");
}

foreach (var (pass, what) in checks)
{
    Console.WriteLine($"rolling: {(pass ? "PASS" : "FAIL")} {what}");
}

return checks.Count > 0 && checks.All(c => c.Pass) ? 0 : 1;

void Check(bool pass, string what) => checks.Add((pass, what.TrimEnd()));

async Task SetUpTenantAsync(Uri first, Uri second)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Issue(Settings.SigningKey, Tenant, "operator"));
    using var created = await http.PostAsync(new Uri(first, "/api/v1/tenants"),
        new StringContent($"{{\"tenant\":\"{Tenant}\",\"displayName\":\"Rolling restart\",\"timeZone\":\"UTC\"}}", Encoding.UTF8, "application/json"));
    Expect(created, HttpStatusCode.Created, "tenant creation");
    await PutHomologationAsync(second, volverEsContacto: false);
}

async Task PutHomologationAsync(Uri gateway, bool volverEsContacto)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
    var volver = volverEsContacto ? "true" : "false";
    using var homologation = await http.PutAsync(new Uri(gateway, $"/api/v1/tenants/{Tenant}/homologation"), new StringContent(
        $"tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO DIRECTO,CONTACTO_DIRECTO,true,false\nPROMESA DE PAGO,PROMESA_PAGO,true,true\nNO CONTESTA,NO_CONTACTO,false,false\nVOLVER A LLAMAR,VOLVER_LLAMAR,{volver},false\n",
        Encoding.UTF8, "text/csv"));
    Expect(homologation, HttpStatusCode.OK, "homologation");
}

async Task<Dictionary<string, JsonElement>> SnapshotAsync(Uri gateway)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
    var d = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    using var response = await http.GetAsync(new Uri(gateway, $"/api/v1/tenants/{Tenant}/metrics?from={d}&to={d}&groupBy=ejecutivo&metrics=total_gestiones,contactos,compromisos,saldo_total"));
    Expect(response, HttpStatusCode.OK, "snapshot");
    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    return json.RootElement.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("ejecutivo").GetString()!, r => r.Clone(), StringComparer.Ordinal);
}

static List<string> Differences(IReadOnlyDictionary<string, JsonElement> rows, IReadOnlyDictionary<string, Figures> expected)
{
    var differences = new List<string>();
    foreach (var (ejecutivo, f) in expected)
    {
        if (!rows.TryGetValue(ejecutivo, out var row))
        {
            differences.Add($"{ejecutivo} missing");
            continue;
        }

        var got = (row.GetProperty("total_gestiones").GetInt64(), row.GetProperty("contactos").GetInt64(), row.GetProperty("compromisos").GetInt64(), row.GetProperty("saldo_total").GetString());
        var want = (f.Total, f.Contactos, f.Compromisos, Flow.Money(f.SaldoCents));
        if (got != want)
        {
            differences.Add($"{ejecutivo}: got {got}, expected {want}");
        }
    }

    differences.AddRange(rows.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k} unexpected"));
    return differences;
}

// Gateway logs: JSON lines; the push lines name the tenant and the trace; no token and no signing key anywhere.
void CheckLogs(IEnumerable<Node> gateways, string token)
{
    var lines = gateways.SelectMany(g => File.ReadLines(g.Log)).ToList();
    var json = lines.Where(l => l.StartsWith('{')).ToList();
    var malformed = json.Count(l =>
    {
        try
        {
            using var _ = JsonDocument.Parse(l);
            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    });
    var scoped = json.Count(l =>
    {
        using var doc = JsonDocument.Parse(l);
        var root = doc.RootElement;
        return root.GetProperty("Category").GetString() == "Pulso.Gateway.Ingest"
            && root.GetProperty("Scopes").EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Tenant", out var t) && t.GetString() == Tenant)
            && root.GetProperty("Scopes").EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var t) && t.GetString()!.Length == 32);
    });
    var secrets = lines.Count(l => l.Contains(token, StringComparison.Ordinal) || l.Contains(Settings.SigningKey, StringComparison.Ordinal) || l.Contains("access_token", StringComparison.Ordinal));
    Check(json.Count > 0 && malformed == 0 && json.Count == lines.Count && scoped > 0 && secrets == 0,
        $"gateway logs: {json.Count} of {lines.Count} lines JSON ({malformed} malformed), {scoped} push lines with tenant and trace id in scope, {secrets} holding a token or key");
}

async Task Until(Func<Task<bool>> condition, TimeSpan limit, string what, bool fail = true)
{
    var deadline = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            if (await condition())
            {
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or Npgsql.NpgsqlException or TaskCanceledException)
        {
            // Not up yet.
        }

        foreach (var node in cluster.Nodes.Where(n => !n.Running && n.Process.ExitCode != 0 && !n.Name.StartsWith("silo", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{node.Name} exited with code {node.Process.ExitCode} while waiting for {what} (see {node.Log})");
        }

        if (deadline.Elapsed > limit)
        {
            if (fail)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds} s waiting for {what}");
            }

            return;
        }

        await Task.Delay(50);
    }
}

static async Task<int> Status(HttpClient http, Uri url)
{
    try
    {
        using var response = await http.GetAsync(url);
        return (int)response.StatusCode;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        return 0;
    }
}

static void Expect(HttpResponseMessage response, HttpStatusCode status, string what)
{
    if (response.StatusCode != status)
    {
        throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode}, expected {(int)status}: {response.Content.ReadAsStringAsync().Result}");
    }
}

static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
}

// The gateways' warnings that a push path grain call failed transiently and was made again (Pulso.Gateway.Ingest).
static List<string> GatewayRetries(IEnumerable<Node> gateways)
{
    var retries = new List<string>();
    foreach (var line in gateways.SelectMany(g => File.ReadLines(g.Log)).Where(l => l.StartsWith('{')))
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.GetProperty("Category").GetString() == "Pulso.Gateway.Ingest" && root.GetProperty("LogLevel").GetString() == "Warning")
            {
                var message = root.GetProperty("Message").GetString() ?? string.Empty;
                retries.Add(message.Length <= 240 ? message : message[..240]);
            }
        }
        catch (JsonException)
        {
        }
    }

    return retries;
}

static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"{name} is not set (scripts/rolling-restart-test.sh sets it)");

static double Number(string name, double fallback) =>
    double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
