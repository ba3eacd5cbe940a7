namespace Pulso.Gateway.Health;

/// <summary><c>Pulso:Health</c>: how readiness rides out short outages and how a node is drained.</summary>
public sealed class HealthOptions
{
    public const string Section = "Pulso:Health";

    /// <summary>
    /// After a successful round trip, failed ones still answer ready (200, status Degraded) for this many seconds
    /// (default 10): a Redis or PostgreSQL blip shorter than that takes no node out of its Service, which would
    /// otherwise happen to every node at once. Longer outages answer 503.
    /// </summary>
    public double ReadyGraceSeconds { get; set; } = 10;

    /// <summary>
    /// A file whose existence means "draining": <c>/readyz</c> answers 503 while <c>/healthz</c> stays 200. The
    /// Kubernetes preStop hook creates it, so a pod leaves its Service before it receives SIGTERM. Unset by default.
    /// </summary>
    public string? DrainFile { get; set; }
}
