using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Pulso.Gateway.Tests.Support;

/// <summary>A log line with the scopes it was written in (property name → value).</summary>
public sealed record ScopedLine(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scopes);

/// <summary>
/// The silo with its gateway, traces on (<c>Pulso:Telemetry:Traces</c>) and kept in memory, and every log line of
/// Pulso's categories recorded with its scopes, as a structured formatter would see them.
/// </summary>
public sealed class TracingFactory : GatewayFactory
{
    /// <summary>Finished spans, in the order they ended (any process-wide source the tracer listens to).</summary>
    public ConcurrentQueue<Activity> Spans { get; } = new();

    public ConcurrentQueue<ScopedLine> Lines { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Pulso:Telemetry:Traces", "true");
        builder.UseSetting("Logging:LogLevel:Pulso", "Debug");
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(b => b.AddInMemoryExporter(new QueueCollection(Spans))));
        builder.ConfigureLogging(logging => logging.AddProvider(new ScopeRecorder(Lines)));
    }

    /// <summary>The in-memory exporter adds to an <see cref="ICollection{T}"/>; spans end on many threads at once.</summary>
    private sealed class QueueCollection(ConcurrentQueue<Activity> queue) : ICollection<Activity>
    {
        public int Count => queue.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => queue.Enqueue(item);

        public void Clear() => queue.Clear();

        public bool Contains(Activity item) => queue.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => queue.CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();

        public IEnumerator<Activity> GetEnumerator() => queue.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class ScopeRecorder(ConcurrentQueue<ScopedLine> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, ScopeRecorder owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Pulso", StringComparison.Ordinal);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                var scopes = new Dictionary<string, object?>(StringComparer.Ordinal);
                owner._scopes.ForEachScope(
                    (scope, into) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            foreach (var (key, value) in pairs)
                            {
                                into[key] = value;
                            }
                        }
                    },
                    scopes);
                owner.Lines(new ScopedLine(category, logLevel, formatter(state, exception), scopes));
            }
        }

        private void Lines(ScopedLine line) => lines.Enqueue(line);
    }
}
