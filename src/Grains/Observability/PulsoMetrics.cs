using Prometheus;

namespace Pulso.Grains.Observability;

/// <summary>
/// The Prometheus series of the cluster. Conventions (for every later series too): names start with
/// <c>pulso_</c>, end with the base unit (<c>_seconds</c>, <c>_bytes</c>) and, for counters, <c>_total</c>;
/// labels are low-cardinality (tenant, reason, source, outcome), never a debtor, an ejecutivo or a batch id.
/// </summary>
public static class PulsoMetrics
{
    public static readonly Counter IngestRows = Prometheus.Metrics.CreateCounter(
        "pulso_ingest_rows_total", "Accepted gestiones applied to day tables (replays excluded).", "tenant");

    public static readonly Counter IngestRejects = Prometheus.Metrics.CreateCounter(
        "pulso_ingest_rejects_total", "Rows rejected on ingest, by reason.", "tenant", "reason");

    public static readonly Counter Batches = Prometheus.Metrics.CreateCounter(
        "pulso_batches_total", "Day batches received, by outcome (applied or duplicate).", "tenant", "outcome");

    public static readonly Histogram BatchApplySeconds = Prometheus.Metrics.CreateHistogram(
        "pulso_batch_apply_duration_seconds", "Time to persist and apply one day batch.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Counter JournalBytes = Prometheus.Metrics.CreateCounter(
        "pulso_journal_written_bytes_total", "Bytes written to metric journals, by kind (delta or snapshot).", "kind");

    public static readonly Histogram QuerySeconds = Prometheus.Metrics.CreateHistogram(
        "pulso_query_duration_seconds", "Time to answer a snapshot query in the query worker.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Gauge SourceLagSeconds = Prometheus.Metrics.CreateGauge(
        "pulso_source_lag_seconds", "How far a source's watermark is behind the source.", "tenant", "source");

    public static readonly Counter Notifications = Prometheus.Metrics.CreateCounter(
        "pulso_notifications_total", "Alert notification attempts by channel and outcome (delivered, retried, rejected, abandoned).", "channel", "outcome");

    public static readonly Counter AlertEvents = Prometheus.Metrics.CreateCounter(
        "pulso_alert_events_total", "Alert rule groups that started firing or resolved.", "tenant", "kind");

    public static readonly Histogram AlertEvaluationSeconds = Prometheus.Metrics.CreateHistogram(
        "pulso_alert_evaluation_duration_seconds", "Time to evaluate a tenant's alert rules (queries included).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Histogram NotificationDelaySeconds = Prometheus.Metrics.CreateHistogram(
        "pulso_notification_delay_seconds", "From a rule firing to its notification's delivery (2xx), retries included.",
        new HistogramConfiguration { LabelNames = ["channel"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 20) });
    public static readonly Counter SourceRows = Prometheus.Metrics.CreateCounter(
        "pulso_source_rows_total", "Rows read from a source and handed to the day tables (accepted and rejected).", "tenant", "source");

    public static readonly Counter SourceErrors = Prometheus.Metrics.CreateCounter(
        "pulso_source_errors_total", "Polls of a source that failed after their immediate retries.", "tenant", "source");
}
