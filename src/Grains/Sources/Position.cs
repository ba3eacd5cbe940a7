using System.Globalization;
using System.Text.Json;

namespace Pulso.Grains.Sources;

/// <summary>
/// One typed value of a row's position, as persisted in a watermark: a tag for its type and its invariant text, so
/// that it goes back to the database as a parameter of the same type (<c>l</c> integer, <c>n</c> decimal, <c>t</c>
/// date-time with its kind, <c>o</c> date-time with offset, <c>d</c> date, <c>s</c> text).
/// </summary>
public readonly record struct PositionValue(char Tag, string Text) : IComparable<PositionValue>
{
    public static PositionValue From(object? value) => value switch
    {
        null or DBNull => new('s', string.Empty),
        long l => new('l', l.ToString(CultureInfo.InvariantCulture)),
        int i => new('l', i.ToString(CultureInfo.InvariantCulture)),
        short s => new('l', s.ToString(CultureInfo.InvariantCulture)),
        ulong u => new('l', u.ToString(CultureInfo.InvariantCulture)),
        uint u => new('l', u.ToString(CultureInfo.InvariantCulture)),
        byte b => new('l', b.ToString(CultureInfo.InvariantCulture)),
        sbyte b => new('l', b.ToString(CultureInfo.InvariantCulture)),
        decimal m => new('n', m.ToString(CultureInfo.InvariantCulture)),
        double d => new('n', ((decimal)d).ToString(CultureInfo.InvariantCulture)),
        float f => new('n', ((decimal)f).ToString(CultureInfo.InvariantCulture)),
        DateTime t => new('t', t.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset o => new('o', o.ToString("O", CultureInfo.InvariantCulture)),
        DateOnly d => new('d', d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        string s => new('s', s),
        _ => new('s', Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    /// <summary>A value read as text from a web service: an integer, a decimal or text.</summary>
    public static PositionValue FromText(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? new('l', text)
        : decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _) ? new('n', text)
        : new('s', text);

    /// <summary>The value as a database parameter of its own type.</summary>
    public object ToParameter() => Tag switch
    {
        'l' => long.Parse(Text, CultureInfo.InvariantCulture),
        'n' => decimal.Parse(Text, CultureInfo.InvariantCulture),
        't' => DateTime.Parse(Text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        'o' => DateTimeOffset.Parse(Text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        'd' => DateOnly.ParseExact(Text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Text,
    };

    /// <summary>Numbers compare as numbers, dates as dates, anything else ordinally.</summary>
    public int CompareTo(PositionValue other)
    {
        if (Tag is 'l' or 'n' && other.Tag is 'l' or 'n')
        {
            return decimal.Parse(Text, CultureInfo.InvariantCulture).CompareTo(decimal.Parse(other.Text, CultureInfo.InvariantCulture));
        }

        if (Tag == other.Tag && Tag is 't' or 'o' or 'd')
        {
            return ToParameter() switch
            {
                DateTime t => t.CompareTo((DateTime)other.ToParameter()),
                DateTimeOffset o => o.CompareTo((DateTimeOffset)other.ToParameter()),
                _ => string.CompareOrdinal(Text, other.Text),
            };
        }

        return string.CompareOrdinal(Text, other.Text);
    }

    public static bool operator <(PositionValue a, PositionValue b) => a.CompareTo(b) < 0;

    public static bool operator <=(PositionValue a, PositionValue b) => a.CompareTo(b) <= 0;

    public static bool operator >(PositionValue a, PositionValue b) => a.CompareTo(b) > 0;

    public static bool operator >=(PositionValue a, PositionValue b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Tag}:{Text}";

    public static PositionValue Parse(string text) =>
        text.Length >= 2 && text[1] == ':' ? new PositionValue(text[0], text[2..]) : throw new FormatException($"'{text}' is not a watermark value");
}

/// <summary>A row's place in a feed: the watermark column's value, then the columns that break its ties.</summary>
public sealed record Position(IReadOnlyList<PositionValue> Values) : IComparable<Position>
{
    public int CompareTo(Position? other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < Math.Min(Values.Count, other.Values.Count); i++)
        {
            var c = Values[i].CompareTo(other.Values[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return Values.Count.CompareTo(other.Values.Count);
    }

    public static bool operator >(Position a, Position b) => a.CompareTo(b) > 0;

    public static bool operator <(Position a, Position b) => a.CompareTo(b) < 0;

    public static bool operator >=(Position a, Position b) => a.CompareTo(b) >= 0;

    public static bool operator <=(Position a, Position b) => a.CompareTo(b) <= 0;

    public override string ToString() => string.Join(", ", Values.Select(v => v.Text));
}

/// <summary>
/// A source's watermark over its two feeds (<c>g</c> gestiones, <c>j</c> jornadas): the position of the last row taken
/// from each, as JSON <c>{"g":["l:1234"],"j":["l:17"]}</c>. A feed never read has no entry.
/// </summary>
public sealed class FeedWatermark
{
    public const string GestionesFeed = "g";
    public const string JornadasFeed = "j";
    private readonly Dictionary<string, Position> _positions;

    private FeedWatermark(Dictionary<string, Position> positions) => _positions = positions;

    public static FeedWatermark Parse(string? text)
    {
        var positions = new Dictionary<string, Position>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(text))
        {
            var json = JsonSerializer.Deserialize<Dictionary<string, string[]>>(text)
                ?? throw new FormatException($"watermark '{text}' is not a JSON object");
            foreach (var (feed, values) in json)
            {
                positions[feed] = new Position([.. values.Select(PositionValue.Parse)]);
            }
        }

        return new FeedWatermark(positions);
    }

    public Position? this[string feed] => _positions.GetValueOrDefault(feed);

    public FeedWatermark With(string feed, Position position)
    {
        var next = new Dictionary<string, Position>(_positions, StringComparer.Ordinal) { [feed] = position };
        return new FeedWatermark(next);
    }

    public override string ToString() =>
        JsonSerializer.Serialize(_positions.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value.Values.Select(v => v.ToString()).ToArray()));
}
