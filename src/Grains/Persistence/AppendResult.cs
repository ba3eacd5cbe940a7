namespace Pulso.Grains.Persistence;

/// <summary>
/// The outcome of <see cref="IMetricJournal.AppendAsync"/>. <see cref="Sequence"/> is the entry's sequence for
/// <see cref="AppendStatus.Appended"/> and <see cref="AppendStatus.Duplicate"/>, and the journal's current
/// sequence for <see cref="AppendStatus.Conflict"/>.
/// </summary>
public readonly record struct AppendResult(AppendStatus Status, long Sequence);
