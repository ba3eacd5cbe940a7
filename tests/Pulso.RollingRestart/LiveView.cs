using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pulso.RollingRestart;

/// <summary>
/// A dashboard: one SignalR subscription to the ejecutivo view of the test day, kept as rows from its snapshot and
/// updates. A version that does not follow the last one by one is a gap: the view resubscribes and waits for the new
/// subscription's snapshot; how long that took is recorded, and a gap not recovered within the limit is a failure.
/// A connection that drops reconnects and resubscribes the same way.
/// </summary>
internal sealed class LiveView : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly HubConnection _connection;
    private readonly object _query;
    private readonly Func<double> _now;
    private readonly Dictionary<string, JsonElement> _rows = new(StringComparer.Ordinal);
    private readonly List<(double At, double Seconds, string Why)> _recoveries = [];
    private string? _subscription;
    private long _version;
    private double? _resyncSince;
    private string _resyncWhy = string.Empty;
    private long _messages;

    private LiveView(HubConnection connection, object query, Func<double> now)
    {
        _connection = connection;
        _query = query;
        _now = now;
        connection.On<string, JsonElement>("snapshot", (id, payload) => Receive(id, payload, snapshot: true));
        connection.On<string, JsonElement>("update", (id, payload) => Receive(id, payload, snapshot: false));
        connection.Reconnected += async _ =>
        {
            Resync("connection re-established");
            await SubscribeAsync();
        };
    }

    /// <summary>Messages received, snapshots and updates.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Every resynchronisation (gap or reconnection): when it began, how long until the snapshot, why.</summary>
    public IReadOnlyList<(double At, double Seconds, string Why)> Recoveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _recoveries];
            }
        }
    }

    /// <summary>Since when the view has been waiting for a snapshot after a gap; null when in order.</summary>
    public double? ResyncSince
    {
        get
        {
            lock (_gate)
            {
                return _resyncSince;
            }
        }
    }

    public static async Task<LiveView> OpenAsync(Uri gateway, string token, object query, Func<double> now)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, $"/hubs/metrics?access_token={Uri.EscapeDataString(token)}"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)])
            .Build();
        var view = new LiveView(connection, query, now);
        await connection.StartAsync();
        await view.SubscribeAsync();
        return view;
    }

    /// <summary>The view's rows (ejecutivo → figures as sent) and whether it is in order (no resync pending).</summary>
    public (Dictionary<string, JsonElement> Rows, bool InOrder) Read()
    {
        lock (_gate)
        {
            return (new Dictionary<string, JsonElement>(_rows, StringComparer.Ordinal), _resyncSince is null && _subscription is not null && _version > 0);
        }
    }

    /// <summary>total_gestiones over every row of the view.</summary>
    public long Total()
    {
        lock (_gate)
        {
            return _rows.Values.Sum(r => r.GetProperty("total_gestiones").GetInt64());
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    private async Task SubscribeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var id = await _connection.InvokeAsync<string>("Subscribe", _query);
                lock (_gate)
                {
                    // The snapshot may have come first and been taken in already (Receive adopts it).
                    if (_subscription != id)
                    {
                        _subscription = id;
                        _version = 0;
                    }
                }

                return;
            }
            catch (Exception) when (attempt < 50 && _connection.State == HubConnectionState.Connected)
            {
                // The gateway could not reach the cluster for a moment (a silo leaving): try again.
                await Task.Delay(100);
            }
        }
    }

    private void Resync(string why)
    {
        lock (_gate)
        {
            _resyncSince ??= _now();
            _resyncWhy = why;
            _subscription = null;
        }
    }

    private void Receive(string id, JsonElement payload, bool snapshot)
    {
        Interlocked.Increment(ref _messages);
        string? unsubscribe = null;
        var resubscribe = false;
        lock (_gate)
        {
            if (id != _subscription)
            {
                // Before Subscribe has returned the id (the snapshot may come first) or of an abandoned subscription.
                if (_subscription is null && snapshot && payload.GetProperty("version").GetInt64() == 1)
                {
                    _subscription = id;
                }
                else
                {
                    return;
                }
            }

            var version = payload.GetProperty("version").GetInt64();
            if (version != _version + 1 || (_version == 0 && !snapshot))
            {
                unsubscribe = _subscription;
                _resyncSince ??= _now();
                _resyncWhy = $"version {version} after {_version}";
                _subscription = null;
                resubscribe = true;
            }
            else
            {
                _version = version;
                if (snapshot)
                {
                    _rows.Clear();
                    if (_resyncSince is { } since)
                    {
                        _recoveries.Add((since, _now() - since, _resyncWhy));
                        _resyncSince = null;
                    }
                }
                else
                {
                    foreach (var removed in payload.GetProperty("removed").EnumerateArray())
                    {
                        _rows.Remove(removed.GetProperty("ejecutivo").GetString()!);
                    }
                }

                foreach (var row in payload.GetProperty("rows").EnumerateArray())
                {
                    _rows[row.GetProperty("ejecutivo").GetString()!] = row.Clone();
                }
            }
        }

        if (resubscribe)
        {
            _ = Task.Run(async () =>
            {
                await _connection.InvokeAsync<bool>("Unsubscribe", unsubscribe);
                await SubscribeAsync();
            });
        }
    }
}
