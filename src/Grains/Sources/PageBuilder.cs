using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Ingestion;

namespace Pulso.Grains.Sources;

/// <summary>
/// Turns the rows of one feed page, as text fields in <see cref="FeedPlan.Columns"/> order, into a
/// <see cref="SourcePage"/>: each row through the one implementation of DESIGN 2.4's checks
/// (<see cref="GestionFields"/>, <see cref="JornadaFields"/>), rows naming another cliente counted apart.
/// </summary>
public sealed class PageBuilder
{
    private static readonly string[] s_gestionNames = ["cliente", "fecha", "documento", "ejecutivo", "tipificacion", "saldo", "dias_mora", "canal"];
    private readonly FeedPlan _plan;
    private readonly string _tenant;
    private readonly string _sourceName;
    private readonly int[] _at;
    private readonly GestionBatchBuilder _gestiones = new();
    private readonly List<Jornada> _jornadas = [];
    private readonly RejectLog _rejects = new(1_000);
    private byte[] _buffer = new byte[1024];
    private FechaCache _fechas;
    private long _others;
    private long _badJornadas;

    public PageBuilder(FeedPlan plan, string tenant, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _tenant = tenant;
        _sourceName = sourceName;
        _at = (plan.IsJornadas ? FeedPlan.JornadaFields : s_gestionNames).Select(plan.IndexOf).ToArray();
    }

    public long Rows { get; private set; }

    /// <summary>Adds one row: <paramref name="values"/> in <see cref="FeedPlan.Columns"/> order, null for SQL NULL.</summary>
    public void Add(ReadOnlySpan<string?> values)
    {
        Rows++;
        var needed = 0;
        foreach (var value in values)
        {
            needed += value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length);
        }

        if (_buffer.Length < needed)
        {
            _buffer = new byte[Math.Max(needed, _buffer.Length * 2)];
        }

        // Each field's UTF-8 bytes, one after another in the buffer.
        Span<int> starts = stackalloc int[_at.Length];
        Span<int> lengths = stackalloc int[_at.Length];
        var used = 0;
        for (var f = 0; f < _at.Length; f++)
        {
            starts[f] = used;
            var value = _at[f] < 0 ? null : values[_at[f]];
            var n = value is null ? 0 : Encoding.UTF8.GetBytes(value, _buffer.AsSpan(used));
            lengths[f] = n;
            used += n;
        }

        ReadOnlySpan<byte> Field(int f, Span<int> s, Span<int> l) => _buffer.AsSpan(s[f], l[f]);

        // cliente is the first field of both layouts; unmapped, every row is the tenant's.
        if (_at[0] >= 0 && !Field(0, starts, lengths).SequenceEqual(Encoding.UTF8.GetBytes(_tenant)))
        {
            _others++;
            return;
        }

        if (_plan.IsJornadas)
        {
            var fields = new JornadaFields
            {
                Cliente = Encoding.UTF8.GetBytes(_tenant),
                Ejecutivo = Field(1, starts, lengths),
                Fecha = Field(2, starts, lengths),
                HorasTrabajadas = Field(3, starts, lengths),
            };
            if (fields.TryParse(out var jornada, out _))
            {
                _jornadas.Add(jornada);
            }
            else
            {
                _badJornadas++;
            }

            return;
        }

        var gestion = new GestionFields
        {
            Cliente = Field(0, starts, lengths),
            Fecha = Field(1, starts, lengths),
            Documento = Field(2, starts, lengths),
            Ejecutivo = Field(3, starts, lengths),
            Tipificacion = Field(4, starts, lengths),
            Saldo = Field(5, starts, lengths),
            DiasMora = Field(6, starts, lengths),
            Canal = Field(7, starts, lengths),
        };
        if (gestion.TryAccept(ref _fechas, out var record, out var reason))
        {
            _gestiones.Add(record);
        }
        else
        {
            _rejects.Count(reason);
            if (_rejects.WantsRows)
            {
                var kept = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var f = 0; f < s_gestionNames.Length; f++)
                {
                    if (_at[f] >= 0)
                    {
                        kept[s_gestionNames[f]] = values[_at[f]] ?? string.Empty;
                    }
                }

                var idAt = _plan.IndexOf("gestion_id");
                var line = idAt >= 0 && long.TryParse(values[idAt], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) ? id : Rows;
                _rejects.Keep(new RejectedRow(_sourceName, line, reason, kept));
            }
        }
    }

    /// <summary>The page with an id and next watermark of the caller's own scheme (files).</summary>
    public SourcePage Build(string pageId, string nextWatermark, bool more) =>
        new(pageId, nextWatermark, _gestiones.Build(), _jornadas, _rejects, Rows, _others, more, 0, _badJornadas);

    /// <summary>
    /// The page, named after the feed and the positions it spans (<paramref name="from"/> exclusive, <paramref name="to"/>
    /// inclusive): reading the same span again gives the same id, whatever the page size.
    /// </summary>
    public SourcePage Build(FeedWatermark before, Position? from, Position to, bool more, double lagSeconds)
    {
        ArgumentNullException.ThrowIfNull(before);
        var span = $"{_plan.Feed}|{from}|{to}";
        var id = $"{_plan.Feed}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(span)))[..32]}";
        return new SourcePage(id, before.With(_plan.Feed, to).ToString(), _gestiones.Build(), _jornadas, _rejects, Rows, _others, more, lagSeconds, _badJornadas);
    }
}

/// <summary>How a value read from a database or a web service becomes the text DESIGN 2.1 fields are checked on.</summary>
public static class SourceText
{
    /// <summary>
    /// Text as read; numbers in invariant culture (a decimal keeps its scale: <c>12.50</c>); date-times as
    /// <c>yyyy-MM-dd HH:mm:ss</c>, instants converted to <paramref name="zone"/> first; dates as <c>yyyy-MM-dd</c>.
    /// </summary>
    public static string? Of(object? value, TimeZoneInfo zone) => value switch
    {
        null or DBNull => null,
        string s => s,
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        long or int or short or byte or sbyte or ulong or uint or ushort => Convert.ToString(value, CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateTime { Kind: DateTimeKind.Utc } t => Format(TimeZoneInfo.ConvertTimeFromUtc(t, zone)),
        DateTime t => Format(t),
        DateTimeOffset o => Format(TimeZoneInfo.ConvertTime(o, zone).DateTime),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary><c>yyyy-MM-dd HH:mm:ss</c>; a time of exactly midnight of a date-only value stays a full date-time.</summary>
    public static string Format(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
