using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Pulso.Grains.Sources;

/// <summary>
/// A table (or read-only query) in a tenant's database, read in keyset pages: rows whose position (the watermark
/// column, then its tie-breakers) is after the watermark, in position order, up to the settled horizon. Rows sharing
/// a watermark value across a page boundary are told apart by the tie-breakers, so none is skipped or read twice.
/// Identifiers are validated by <see cref="FeedPlan"/> and quoted by the dialect; values are always parameters.
/// </summary>
public abstract class SqlSource : FeedSource, IAsyncDisposable
{
    private readonly string _tenant;
    private readonly string _sourceName;
    private readonly TimeZoneInfo _zone;
    private readonly TimeProvider _time;

    protected SqlSource(string tenant, string sourceName, IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag, TimeZoneInfo zone, TimeProvider time)
        : base(feeds, settleLag, time)
    {
        _tenant = tenant;
        _sourceName = sourceName;
        _zone = zone;
        _time = time;
    }

    protected abstract DbDataSource DataSource { get; }

    /// <summary>A validated identifier part, quoted for the dialect.</summary>
    protected abstract string Quote(string identifier);

    /// <summary>Whether the dialect compares row values <c>(a, b) &gt; (x, y)</c> lexicographically.</summary>
    protected virtual bool RowComparisons => true;

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return DataSource.DisposeAsync();
    }

    protected override async Task<SourcePage?> ReadFeedAsync(FeedPlan feed, FeedWatermark mark, int pageSize, Position? replayTo, CancellationToken ct)
    {
        var after = mark[feed.Feed];
        Position? upTo = replayTo;
        var horizon = Horizons[feed.Feed];
        if (replayTo is null && !horizon.Unbounded)
        {
            horizon.Observe(await TipAsync(feed, ct));
            upTo = horizon.Current;
            if (upTo is null || (after is not null && upTo <= after))
            {
                return null; // nothing has settled beyond the watermark yet
            }
        }

        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ")
            .AppendJoin(", ", feed.Columns.Select(Quote))
            .Append(" FROM ").Append(From(feed));
        var conditions = new List<string>();
        if (after is not null)
        {
            conditions.Add(Compare(feed, ">", after, command, "a"));
        }

        if (upTo is not null)
        {
            conditions.Add(Compare(feed, "<=", upTo, command, "h"));
        }

        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        sql.Append(" ORDER BY ").AppendJoin(", ", feed.PositionColumns.Select(i => Quote(feed.Columns[i])))
            .Append(" LIMIT ").Append(pageSize.ToString(CultureInfo.InvariantCulture));
        command.CommandText = sql.ToString();

        var builder = new PageBuilder(feed, _tenant, _sourceName);
        var values = new string?[feed.Columns.Count];
        Position? last = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            var readers = Enumerable.Range(0, reader.FieldCount).Select(i => ColumnReader(reader, i)).ToArray();
            var positionValues = new object?[feed.PositionColumns.Count];
            var any = false;
            while (await reader.ReadAsync(ct))
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = readers[i](reader);
                }

                // The position of the last row only is needed: keep the row's raw values, convert once at the end.
                for (var p = 0; p < positionValues.Length; p++)
                {
                    positionValues[p] = reader.GetValue(feed.PositionColumns[p]);
                }

                any = true;
                builder.Add(values);
            }

            if (any)
            {
                last = new Position([.. positionValues.Select(PositionValue.From)]);
            }
        }

        if (last is null)
        {
            return null;
        }

        var full = builder.Rows >= pageSize;
        var now = _time.GetUtcNow();
        if (full || (upTo is not null && replayTo is null && upTo > last))
        {
            MarkBehind();
        }

        return builder.Build(mark, after, last, more: full, LagSeconds(null));
    }

    /// <summary>The newest position in the feed, or null when it is empty.</summary>
    private async Task<Position?> TipAsync(FeedPlan feed, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", feed.PositionColumns.Select(i => Quote(feed.Columns[i])))} FROM {From(feed)} "
            + $"ORDER BY {string.Join(", ", feed.PositionColumns.Select(i => Quote(feed.Columns[i]) + " DESC"))} LIMIT 1";
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new Position([.. Enumerable.Range(0, reader.FieldCount).Select(i => PositionValue.From(reader.GetValue(i)))]);
    }

    private string From(FeedPlan feed) =>
        feed.Config.Query is { } query
            ? $"({query}) AS {Quote("pulso_source")}"
            : string.Join('.', FeedPlan.TableParts(feed.Config.Table ?? throw new InvalidOperationException($"feed {feed.Feed} has no table or query")).Select(Quote));

    /// <summary>
    /// <c>(c1, c2) op (@p0, @p1)</c>, or its expansion where the dialect lacks row comparisons:
    /// <c>c1 &gt; @p0 OR (c1 = @p0 AND c2 &gt; @p1)</c>.
    /// </summary>
    private string Compare(FeedPlan feed, string op, Position position, DbCommand command, string prefix)
    {
        var names = new List<string>();
        for (var i = 0; i < position.Values.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"{prefix}{i}";
            parameter.Value = position.Values[i].ToParameter();
            command.Parameters.Add(parameter);
            names.Add(ParameterReference(parameter.ParameterName));
        }

        var columns = feed.PositionColumns.Select(i => Quote(feed.Columns[i])).ToList();
        if (columns.Count == 1)
        {
            return $"{columns[0]} {op} {names[0]}";
        }

        if (RowComparisons)
        {
            return $"({string.Join(", ", columns)}) {op} ({string.Join(", ", names)})";
        }

        var strict = op.TrimEnd('=');
        var parts = new List<string>();
        for (var i = 0; i < columns.Count; i++)
        {
            var equal = Enumerable.Range(0, i).Select(j => $"{columns[j]} = {names[j]}");
            var last = i == columns.Count - 1 ? op : strict;
            parts.Add("(" + string.Join(" AND ", equal.Append($"{columns[i]} {last} {names[i]}")) + ")");
        }

        return "(" + string.Join(" OR ", parts) + ")";
    }

    protected virtual string ParameterReference(string name) => "@" + name;

    /// <summary>How one column becomes text: strings as they are, dates as dates, the rest through <see cref="SourceText"/>.</summary>
    private Func<DbDataReader, string?> ColumnReader(DbDataReader reader, int i)
    {
        var type = reader.GetFieldType(i);
        var name = reader.GetDataTypeName(i);
        if (type == typeof(string))
        {
            return r => r.IsDBNull(i) ? null : r.GetString(i);
        }

        if (string.Equals(name, "date", StringComparison.OrdinalIgnoreCase))
        {
            return r => r.IsDBNull(i) ? null : r.GetDateTime(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        var zone = _zone;
        return r => SourceText.Of(r.GetValue(i), zone);
    }
}
