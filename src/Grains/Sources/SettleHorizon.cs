namespace Pulso.Grains.Sources;

/// <summary>
/// The settle lag: the newest position seen at least the lag ago. A row below it that was committed out of order
/// (a later id committed first) has had the lag to appear, so reading up to it skips nothing; rows above it wait.
/// With no lag every row is taken as soon as it is seen.
/// </summary>
public sealed class SettleHorizon(TimeProvider time, TimeSpan lag)
{
    private readonly Queue<(Position Tip, DateTimeOffset At)> _seen = new();
    private Position? _settled;

    public bool Unbounded => lag <= TimeSpan.Zero;

    public TimeSpan Lag => lag;

    /// <summary>Records the newest position of the source as seen now.</summary>
    public void Observe(Position? tip)
    {
        if (Unbounded || tip is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_seen.Count == 0 || _seen.Last().Tip.CompareTo(tip) != 0)
        {
            _seen.Enqueue((tip, now));
        }

        Settle(now);
    }

    /// <summary>The newest position that has settled: rows up to it may be read. Null when nothing has yet.</summary>
    public Position? Current
    {
        get
        {
            Settle(time.GetUtcNow());
            return _settled;
        }
    }

    private void Settle(DateTimeOffset now)
    {
        while (_seen.Count > 0 && now - _seen.Peek().At >= lag)
        {
            var (tip, _) = _seen.Dequeue();
            if (_settled is null || tip > _settled)
            {
                _settled = tip;
            }
        }
    }
}
