namespace Pulso.Grains.Metrics;

/// <summary>All the day tables of one tenant (the CLI's in-process equivalent of the per-day grains).</summary>
public sealed class TenantCube
{
    private readonly Dictionary<int, MetricTable> _days = [];
    private MetricTable? _last;

    public TenantCube(string tenant)
    {
        Tenant = tenant;
    }

    public string Tenant { get; }

    public int DayCount => _days.Count;

    /// <summary>The day tables in day order.</summary>
    public IEnumerable<MetricTable> Tables => _days.Values.OrderBy(t => t.Day);

    public MetricTable GetOrCreate(int dayNumber)
    {
        var last = _last;
        if (last is not null && last.Day.DayNumber == dayNumber)
        {
            return last;
        }

        if (!_days.TryGetValue(dayNumber, out var table))
        {
            var day = DateOnly.FromDayNumber(dayNumber);
            table = last is { CellCount: > 0 } ? MetricTable.SizedLike(day, last) : new MetricTable(day, 1024);
            _days.Add(dayNumber, table);
        }

        _last = table;
        return table;
    }

    public MetricTable GetOrCreate(DateOnly day) => GetOrCreate(day.DayNumber);

    /// <summary>Moves or merges every day of <paramref name="other"/> into this cube.</summary>
    public void Merge(TenantCube other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (day, table) in other._days)
        {
            if (_days.TryGetValue(day, out var mine))
            {
                mine.Merge(table);
            }
            else
            {
                _days.Add(day, table);
            }
        }

        other._days.Clear();
        other._last = null;
    }
}
