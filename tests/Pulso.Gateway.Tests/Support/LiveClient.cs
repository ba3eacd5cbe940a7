using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pulso.Gateway.Tests.Support;

/// <summary>A message of the hub: <c>snapshot</c> or <c>update</c>, as received.</summary>
internal sealed record LiveMessage(string Kind, long Version, List<JsonElement> Rows, List<JsonElement> Removed);

/// <summary>
/// A real SignalR client of <c>/hubs/metrics</c> over WebSockets, the token in the query string as browsers send it.
/// Messages are kept per subscription (those that arrive before Subscribe returns its id included).
/// </summary>
internal sealed class LiveClient : IAsyncDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);
    private readonly ConcurrentDictionary<string, Channel<LiveMessage>> _messages = new(StringComparer.Ordinal);

    private LiveClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<string, JsonElement>("snapshot", (id, payload) => Receive("snapshot", id, payload));
        connection.On<string, JsonElement>("update", (id, payload) => Receive("update", id, payload));
    }

    public HubConnection Connection { get; }

    public static async Task<LiveClient> ConnectAsync(Uri gateway, string? token)
    {
        // As a browser does: WebSockets cannot carry an Authorization header there, so the token rides in the query string.
        var url = new Uri(gateway, token is null ? "/hubs/metrics" : $"/hubs/metrics?access_token={Uri.EscapeDataString(token)}");
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        var client = new LiveClient(connection);
        await connection.StartAsync();
        return client;
    }

    public Task<string> SubscribeAsync(object query) => Connection.InvokeAsync<string>("Subscribe", query);

    /// <summary>The next message of <paramref name="subscription"/>, failing after a generous deadline.</summary>
    public async Task<LiveMessage> NextAsync(string subscription)
    {
        using var deadline = new CancellationTokenSource(s_patience);
        try
        {
            return await Channel(subscription).Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message for subscription {subscription} within {s_patience.TotalSeconds} s");
        }
    }

    /// <summary>Messages of <paramref name="subscription"/> already received and not yet read.</summary>
    public List<LiveMessage> Pending(string subscription)
    {
        var pending = new List<LiveMessage>();
        while (Channel(subscription).Reader.TryRead(out var message))
        {
            pending.Add(message);
        }

        return pending;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Receive(string kind, string id, JsonElement payload)
    {
        var rows = payload.GetProperty("rows").EnumerateArray().Select(r => r.Clone()).ToList();
        var removed = payload.TryGetProperty("removed", out var gone) ? gone.EnumerateArray().Select(r => r.Clone()).ToList() : [];
        Channel(id).Writer.TryWrite(new LiveMessage(kind, payload.GetProperty("version").GetInt64(), rows, removed));
    }

    private Channel<LiveMessage> Channel(string id) => _messages.GetOrAdd(id, static _ => System.Threading.Channels.Channel.CreateUnbounded<LiveMessage>());
}
