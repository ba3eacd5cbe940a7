using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pulso.Grains.Tests.Support;

/// <summary>One request as the receiver got it, and the status it answered.</summary>
internal sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>
/// A local HTTP server (Kestrel on a free loopback port) standing in for SendGrid, Slack and webhook receivers: it
/// records every request by path and answers what a test scripts for that path (200 otherwise).
/// </summary>
internal sealed class AlertReceiver : IAsyncDisposable
{
    private static readonly Lazy<Task<AlertReceiver>> s_shared = new(StartAsync);
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private WebApplication? _app;

    /// <summary>The receiver the test silos send SendGrid mail to (started once per test run).</summary>
    public static Task<AlertReceiver> SharedAsync() => s_shared.Value;

    public string BaseUrl { get; private set; } = string.Empty;

    public static async Task<AlertReceiver> StartAsync()
    {
        var receiver = new AlertReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver._app = app;
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return receiver;
    }

    /// <summary>The next answers on <paramref name="path"/>, in order (200 once they are used up).</summary>
    public void Script(string path, params int[] statuses) => _scripts[path] = new ConcurrentQueue<int>(statuses);

    /// <summary>Answers <paramref name="status"/> on <paramref name="path"/> until <see cref="Release"/>.</summary>
    public void Hold(string path, int status) => _held[path] = status;

    public void Release(string path) => _held.TryRemove(path, out _);

    public List<ReceivedRequest> On(string path) => [.. _requests.Where(r => r.Path == path)];

    /// <summary>The requests on <paramref name="path"/> once <paramref name="until"/> holds for them, or fails at the deadline.</summary>
    public async Task<List<ReceivedRequest>> WaitAsync(string path, Func<List<ReceivedRequest>, bool> until, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var requests = On(path);
            if (until(requests))
            {
                return requests;
            }

            Assert.True(clock.Elapsed < deadline, $"{path}: {requests.Count} requests after {deadline} ({string.Join(", ", requests.Select(r => r.Status))})");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var path = context.Request.Path.Value ?? string.Empty;
        var status = _held.TryGetValue(path, out var held) ? held
            : _scripts.TryGetValue(path, out var script) && script.TryDequeue(out var scripted) ? scripted
            : path == "/v3/mail/send" ? StatusCodes.Status202Accepted : StatusCodes.Status200OK;
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        _requests.Enqueue(new ReceivedRequest(path, headers, body.ToArray(), status));
        context.Response.StatusCode = status;
    }
}
