using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Pulso.RollingRestart;

/// <summary>The figures of one ejecutivo on the test day, as the run expects them.</summary>
internal sealed record Figures(long Total, long Contactos, long Compromisos, long SaldoCents, long VolverALlamar)
{
    public static readonly Figures None = new(0, 0, 0, 0, 0);

    public Figures Add(Figures other) => new(Total + other.Total, Contactos + other.Contactos, Compromisos + other.Compromisos, SaldoCents + other.SaldoCents, VolverALlamar + other.VolverALlamar);
}

/// <summary>
/// Gestiones flowing through REST push while silos restart: each pusher sends numbered pushes of
/// <see cref="RowsPerPush"/> rows in turn to each gateway, with an Idempotency-Key, and retries a push that failed
/// (a 5xx, a timeout, a refused connection) with the same key and body until it is answered 200, so that every push
/// counts exactly once. It records when every push was acknowledged and every window in which a pusher got no answer
/// but failures (from its first failure to its next success).
/// </summary>
internal sealed class Flow(IReadOnlyList<Uri> gateways, string tenant, string token, DateOnly day)
{
    public const int RowsPerPush = 10;
    private static readonly string[] s_tipificaciones = ["CONTACTO DIRECTO", "PROMESA DE PAGO", "NO CONTESTA", "Volver a llamar"];
    private readonly Lock _gate = new();
    private readonly List<(double At, long Rows)> _acks = [];
    private readonly List<(double From, double To, string Pusher, string What)> _failureWindows = [];
    private readonly List<(double At, double Seconds)> _attempts = [];
    private readonly Dictionary<string, Figures> _expected = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _acked;
    private double _slowest;
    private long _failures;
    private long _next;

    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>Rows acknowledged so far.</summary>
    public long Acked
    {
        get
        {
            lock (_gate)
            {
                return _acked;
            }
        }
    }

    public long FailedAttempts => Interlocked.Read(ref _failures);

    /// <summary>The longest any single push attempt took to be answered, seconds.</summary>
    public double SlowestAttempt
    {
        get
        {
            lock (_gate)
            {
                return _slowest;
            }
        }
    }

    /// <summary>Windows during which a pusher got only failures: from the start of its first failed attempt to its next success.</summary>
    public IReadOnlyList<(double From, double To, string Pusher, string What)> FailureWindows
    {
        get
        {
            lock (_gate)
            {
                return [.. _failureWindows];
            }
        }
    }

    /// <summary>Every push attempt: when it was sent and how long it took to be answered, seconds.</summary>
    public IReadOnlyList<(double At, double Seconds)> Attempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _attempts];
            }
        }
    }

    public IReadOnlyDictionary<string, Figures> Expected
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, Figures>(_expected, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// The age, at <paramref name="at"/>, of the oldest acknowledged push whose rows a view totalling
    /// <paramref name="shown"/> gestiones does not show yet; zero when it shows every acknowledged row.
    /// </summary>
    public double Staleness(double at, long shown)
    {
        lock (_gate)
        {
            var lo = 0;
            var hi = _acks.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_acks[mid].Rows <= shown)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo == _acks.Count ? 0 : Math.Max(0, at - _acks[lo].At);
        }
    }

    /// <summary>Pushes until <paramref name="stop"/> is cancelled, then finishes (and acknowledges) the push in hand.</summary>
    public async Task RunPusherAsync(string name, TimeSpan pace, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timer = new PeriodicTimer(pace);
        var turn = 0;
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            var (body, figures) = Push(n);
            double? failingSince = null;
            var lastFailure = string.Empty;
            while (true)
            {
                var gateway = gateways[turn++ % gateways.Count];
                var attempt = Now;
                var outcome = await SendAsync(http, gateway, n, body);
                lock (_gate)
                {
                    _slowest = Math.Max(_slowest, Now - attempt);
                    _attempts.Add((attempt, Now - attempt));
                }

                if (outcome is null)
                {
                    lock (_gate)
                    {
                        _acked += RowsPerPush;
                        _acks.Add((Now, _acked));
                        foreach (var (ejecutivo, f) in figures)
                        {
                            _expected[ejecutivo] = _expected.GetValueOrDefault(ejecutivo, Figures.None).Add(f);
                        }

                        if (failingSince is { } since)
                        {
                            _failureWindows.Add((since, Now, name, lastFailure));
                        }
                    }

                    break;
                }

                Interlocked.Increment(ref _failures);
                failingSince ??= attempt;
                lastFailure = $"{gateway.Port}: {outcome}";
                if (outcome.StartsWith('4'))
                {
                    throw new InvalidOperationException($"push {n} refused: {outcome}");
                }

                // Retried at once on the other gateway; a short breath when both fail, so a dead path is not hammered.
                if (turn % gateways.Count == 0)
                {
                    await Task.Delay(50, CancellationToken.None);
                }
            }

            try
            {
                await timer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Null when the push was answered 200; otherwise what went wrong.</summary>
    private async Task<string?> SendAsync(HttpClient http, Uri gateway, long n, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, $"/api/v1/tenants/{tenant}/gestiones"));
        request.Headers.Add("Idempotency-Key", $"rolling-{n}");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        try
        {
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var expected = $"{{\"accepted\":{RowsPerPush},";
                return text.StartsWith(expected, StringComparison.Ordinal) ? null : $"4xx-unexpected answer {text}";
            }

            var status = (int)response.StatusCode;
            return status is >= 500 or 429 ? $"{status} {Truncate(text)}" : $"4xx {status} {Truncate(text)}";
        }
        catch (HttpRequestException e)
        {
            return $"no answer: {e.Message}";
        }
        catch (TaskCanceledException)
        {
            return "no answer within 30 s";
        }
    }

    /// <summary>Push <paramref name="n"/>: its CSV body and what it adds to each ejecutivo.</summary>
    private (byte[] Body, Dictionary<string, Figures> Figures) Push(long n)
    {
        var csv = new StringBuilder("cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n");
        var figures = new Dictionary<string, Figures>(StringComparer.Ordinal);
        for (var j = 0; j < RowsPerPush; j++)
        {
            var ejecutivo = $"EJ{(n + j) % 6:00}";
            var tipificacion = s_tipificaciones[(n * 3 + j) % s_tipificaciones.Length];
            var cents = ((n * 7919) + (j * 104729)) % 250_000 - 20_000;
            var seconds = (n * RowsPerPush + j) % 86_400;
            csv.Append(CultureInfo.InvariantCulture, $"{tenant},{day:yyyy-MM-dd} {seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00},D{n}-{j},{ejecutivo},{tipificacion},{Money(cents)},{(n + j) % 400},LLAMADA\n");
            var contacto = tipificacion is "CONTACTO DIRECTO" or "PROMESA DE PAGO" ? 1 : 0;
            var compromiso = tipificacion == "PROMESA DE PAGO" ? 1 : 0;
            var volver = tipificacion == "Volver a llamar" ? 1 : 0;
            figures[ejecutivo] = figures.GetValueOrDefault(ejecutivo, Figures.None).Add(new Figures(1, contacto, compromiso, cents, volver));
        }

        return (Encoding.UTF8.GetBytes(csv.ToString()), figures);
    }

    public static string Money(long cents) =>
        $"{(cents < 0 ? "-" : string.Empty)}{Math.Abs(cents) / 100}.{Math.Abs(cents) % 100:00}";

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}
