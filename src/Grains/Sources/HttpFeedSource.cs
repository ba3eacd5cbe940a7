using System.Globalization;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Pulso.Grains.Abstractions.Sources;

namespace Pulso.Grains.Sources;

/// <summary>
/// A REST JSON API (<c>rest</c>) or a SOAP endpoint (<c>soap</c>) under <c>Location</c>, paged one of three ways
/// (setting <c>pagination</c>):
/// <list type="bullet">
/// <item><c>since</c> (the default): the request carries the last watermark value (<c>sinceParam</c>, default
/// <c>since</c>) and a page size (<c>limitParam</c>, default <c>limit</c>); the service answers the rows whose watermark
/// is at or after it, in watermark order. Rows already taken are told apart by their tie-breakers, and a full page's
/// last watermark value is left for the next request, so rows sharing it across pages are neither skipped nor taken twice.</item>
/// <item><c>page</c>: numbered pages (<c>pageParam</c>, <c>firstPage</c> default 1) of a list that only grows at its end;
/// the watermark is the count of rows taken.</item>
/// <item><c>cursor</c> (REST): the service's opaque cursor (<c>cursorParam</c>, and the answer's <c>nextCursorPath</c>),
/// and how many rows of its page were taken.</item>
/// </list>
/// REST rows are the JSON array at the feed's <c>rowsPath</c> (dot-separated; empty for a body that is the array), their
/// fields by the mapped names. SOAP requests post the feed's <c>path</c> as an envelope template whose <c>{since}</c>,
/// <c>{sinceId}</c>, <c>{limit}</c> and <c>{page}</c> are replaced by XML-escaped values; rows are the elements named by
/// <c>rowsPath</c>, their fields the child elements. The secret, if any, is sent as the <c>authHeader</c> (default Authorization).
/// </summary>
public sealed class HttpFeedSource : FeedSource
{
    private readonly SourceContext _context;
    private readonly SourceConfig _config;
    private readonly string? _secret;
    private readonly string _pagination;

    public HttpFeedSource(SourceContext context, SourceConfig config, string? secret, IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag)
        : base(feeds, Pagination(config) == "since" ? settleLag : TimeSpan.Zero, (context ?? throw new ArgumentNullException(nameof(context))).Time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        _context = context;
        _config = config;
        _secret = secret;
        _pagination = Pagination(config);
    }

    private bool IsSoap => _config.Kind == "soap";

    public static string Pagination(SourceConfig config) => config?.Settings?.GetValueOrDefault("pagination") ?? "since";

    public static void Validate(SourceConfig config, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(problems);
        if (!Uri.TryCreate(config.Location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add($"location must be the service's absolute http(s) URL, not '{config.Location}'");
        }

        var pagination = Pagination(config);
        var allowed = config.Kind == "soap" ? new[] { "since", "page" } : ["since", "page", "cursor"];
        if (!allowed.Contains(pagination))
        {
            problems.Add($"settings.pagination '{pagination}' is not one of {string.Join(", ", allowed)}");
        }

        foreach (var (name, feed) in new[] { ("gestiones", config.Gestiones), ("jornadas", config.Jornadas) })
        {
            if (feed is null)
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(feed.Path))
            {
                problems.Add(config.Kind == "soap"
                    ? $"{name}.path (the SOAP envelope to post, with {{since}}, {{sinceId}}, {{limit}} and {{page}} placeholders) is required"
                    : $"{name}.path (the resource path under location, e.g. /api/gestiones) is required");
            }
            else if (config.Kind == "rest" && (!Uri.TryCreate(feed.Path, UriKind.Relative, out _) || feed.Path.StartsWith("//", StringComparison.Ordinal)))
            {
                problems.Add($"{name}.path must be a path relative to location, not '{feed.Path}'");
            }

            if (config.Kind == "soap" && string.IsNullOrWhiteSpace(feed.RowsPath))
            {
                problems.Add($"{name}.rowsPath (the local name of the row elements) is required");
            }

            if (feed.Table is not null || feed.Query is not null)
            {
                problems.Add($"{name}: table and query are for databases; a web service feed has path and rowsPath");
            }
        }
    }

    /// <summary>A replay reads exactly the rows of the page in flight (<c>pageSize</c> of them), whatever the page size is now.</summary>
    protected override Task<SourcePage?> ReadFeedAsync(FeedPlan feed, FeedWatermark mark, int pageSize, Position? replayTo, CancellationToken ct) =>
        ReadFeedAsync(feed, mark, pageSize, replayTo, replayTo is null ? 0 : pageSize, ct);

    private async Task<SourcePage?> ReadFeedAsync(FeedPlan feed, FeedWatermark mark, int pageSize, Position? replayTo, int replayRows, CancellationToken ct)
    {
        var after = mark[feed.Feed];
        var values = _pagination switch
        {
            "page" => PageRequest(after, pageSize),
            "cursor" => new Dictionary<string, string> { ["cursor"] = after?.Values[0].Text ?? string.Empty, ["limit"] = Text(pageSize) },
            _ => new Dictionary<string, string>
            {
                ["since"] = after?.Values[0].Text ?? string.Empty,
                ["sinceId"] = after is { Values.Count: > 1 } ? after.Values[1].Text : string.Empty,
                ["limit"] = Text(pageSize),
            },
        };

        var (rows, nextCursor) = await FetchAsync(feed, values, ct);
        var full = rows.Count >= pageSize;
        var builder = new PageBuilder(feed, _context.Tenant, _context.SourceName);
        Position? last;
        if (_pagination == "since")
        {
            last = TakeSince(feed, rows, after, replayTo, full, builder);
        }
        else
        {
            // page and cursor: positions are counts within the service's own order.
            var skip = after is null ? 0 : (int)(_pagination == "page" ? long.Parse(after.Values[0].Text, CultureInfo.InvariantCulture) % pageSize : long.Parse(after.Values[1].Text, CultureInfo.InvariantCulture));
            var take = rows.Skip(skip).Take(replayRows > 0 ? replayRows : int.MaxValue).ToList();
            take.ForEach(r => builder.Add(r.Values));
            last = take.Count == 0 ? null : _pagination == "page"
                ? new Position([new PositionValue('l', Text((after is null ? 0 : long.Parse(after.Values[0].Text, CultureInfo.InvariantCulture)) + take.Count))])
                : !string.IsNullOrEmpty(nextCursor) && full
                    ? new Position([new PositionValue('s', nextCursor), new PositionValue('l', "0")])
                    : new Position([new PositionValue('s', values["cursor"]), new PositionValue('l', Text(skip + take.Count))]);
        }

        if (last is null)
        {
            return null;
        }

        if (full)
        {
            MarkBehind();
        }

        return builder.Build(mark, after, last, more: full, LagSeconds(null));
    }

    /// <summary>
    /// The rows of a <c>since</c> answer not yet taken, in position order, up to the settled horizon (or the replay's
    /// end); from a full page the rows sharing its last watermark value are left for the next request.
    /// </summary>
    private Position? TakeSince(FeedPlan feed, List<HttpRow> rows, Position? after, Position? replayTo, bool full, PageBuilder builder)
    {
        var positioned = rows.Select(r => (Row: r, Position: new Position([.. feed.PositionColumns.Select(i => PositionValue.FromText(r.Values[i] ?? string.Empty))])))
            .OrderBy(r => r.Position).ToList();
        var horizon = Horizons[feed.Feed];
        Position? upTo = replayTo;
        if (replayTo is null && !horizon.Unbounded)
        {
            horizon.Observe(positioned.Count > 0 ? positioned[^1].Position : null);
            upTo = horizon.Current;
            if (upTo is null)
            {
                return null;
            }
        }

        var fresh = positioned.Where(r => (after is null || r.Position > after) && (upTo is null || r.Position <= upTo)).ToList();
        if (full && replayTo is null && fresh.Count > 0)
        {
            var lastValue = positioned[^1].Position.Values[0];
            var complete = fresh.Where(r => r.Position.Values[0].CompareTo(lastValue) < 0).ToList();
            if (complete.Count == 0 && (upTo is null || upTo >= positioned[^1].Position))
            {
                // The whole answer shares one watermark value: more rows than a page may follow with it.
                if (positioned[0].Position.Values[0].CompareTo(lastValue) == 0)
                {
                    throw new InvalidOperationException(
                        $"{feed.Config.Path}: a whole page of {rows.Count} rows shares the watermark value '{lastValue.Text}'; raise pageSize above the number of rows sharing one value");
                }
            }
            else
            {
                fresh = complete;
            }
        }

        fresh.ForEach(r => builder.Add(r.Row.Values));
        return fresh.Count == 0 ? null : fresh[^1].Position;
    }

    private Dictionary<string, string> PageRequest(Position? after, int pageSize)
    {
        var offset = after is null ? 0 : long.Parse(after.Values[0].Text, CultureInfo.InvariantCulture);
        var first = long.Parse(Setting("firstPage", "1"), CultureInfo.InvariantCulture);
        return new Dictionary<string, string> { ["page"] = Text((offset / pageSize) + first), ["limit"] = Text(pageSize) };
    }

    private async Task<(List<HttpRow> Rows, string? NextCursor)> FetchAsync(FeedPlan feed, Dictionary<string, string> values, CancellationToken ct)
    {
        using var request = IsSoap ? SoapRequest(feed, values) : RestRequest(feed, values);
        if (_secret is not null)
        {
            request.Headers.TryAddWithoutValidation(Setting("authHeader", "Authorization"), _secret);
        }

        using var response = await _context.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var detail = IsSoap ? SoapFault(body) : null;
            throw new HttpRequestException(
                $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}{(detail is null ? string.Empty : $": {detail}")}",
                null, response.StatusCode);
        }

        return IsSoap ? (SoapRows(feed, body), null) : RestRows(feed, body);
    }

    private HttpRequestMessage RestRequest(FeedPlan feed, Dictionary<string, string> values)
    {
        var query = new List<string>();
        void Add(string setting, string fallback, string value)
        {
            if (value.Length > 0)
            {
                query.Add($"{Uri.EscapeDataString(Setting(setting, fallback))}={Uri.EscapeDataString(value)}");
            }
        }

        switch (_pagination)
        {
            case "page":
                Add("pageParam", "page", values["page"]);
                Add("limitParam", "limit", values["limit"]);
                break;
            case "cursor":
                Add("cursorParam", "cursor", values["cursor"]);
                Add("limitParam", "limit", values["limit"]);
                break;
            default:
                Add("sinceParam", "since", values["since"]);
                if (_config.Settings?.ContainsKey("sinceIdParam") == true)
                {
                    Add("sinceIdParam", "sinceId", values["sinceId"]);
                }

                Add("limitParam", "limit", values["limit"]);
                break;
        }

        var path = feed.Config.Path!;
        var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var uri = new Uri(new Uri(_config.Location!.TrimEnd('/') + "/"), path.TrimStart('/') + (query.Count > 0 ? separator + string.Join('&', query) : string.Empty));
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private HttpRequestMessage SoapRequest(FeedPlan feed, Dictionary<string, string> values)
    {
        var envelope = new StringBuilder(feed.Config.Path!);
        foreach (var key in new[] { "since", "sinceId", "limit", "page" })
        {
            envelope.Replace("{" + key + "}", SecurityElement.Escape(values.GetValueOrDefault(key, string.Empty)));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _config.Location) { Content = new StringContent(envelope.ToString(), Encoding.UTF8, "text/xml") };
        if (_config.Settings?.GetValueOrDefault("soapAction") is { } action)
        {
            request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{action}\"");
        }

        return request;
    }

    private static (List<HttpRow> Rows, string? NextCursor) RestRowsOf(FeedPlan feed, JsonElement root, string? nextCursorPath)
    {
        var array = Navigate(root, feed.Config.RowsPath);
        if (array is not { ValueKind: JsonValueKind.Array } rows)
        {
            throw new FormatException($"{feed.Config.Path}: the answer has no array at rowsPath '{feed.Config.RowsPath}'");
        }

        var list = new List<HttpRow>(rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            var values = new string?[feed.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Navigate(row, feed.Columns[i]) is { } v ? JsonText(v) : null;
            }

            list.Add(new HttpRow(values));
        }

        var next = nextCursorPath is null ? null : Navigate(root, nextCursorPath) is { ValueKind: JsonValueKind.String or JsonValueKind.Number } n ? JsonText(n) : null;
        return (list, next);
    }

    private (List<HttpRow> Rows, string? NextCursor) RestRows(FeedPlan feed, string body)
    {
        using var json = JsonDocument.Parse(body);
        return RestRowsOf(feed, json.RootElement, _pagination == "cursor" ? Setting("nextCursorPath", "next_cursor") : null);
    }

    private static List<HttpRow> SoapRows(FeedPlan feed, string body)
    {
        var document = XDocument.Parse(body);
        var xsiNil = XName.Get("nil", "http://www.w3.org/2001/XMLSchema-instance");
        return document.Descendants().Where(e => e.Name.LocalName == feed.Config.RowsPath).Select(row =>
        {
            var values = new string?[feed.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                var element = row.Elements().FirstOrDefault(e => e.Name.LocalName == feed.Columns[i]);
                values[i] = element is null || (string?)element.Attribute(xsiNil) == "true" ? null : element.Value;
            }

            return new HttpRow(values);
        }).ToList();
    }

    private static string? SoapFault(string body)
    {
        try
        {
            return XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName is "faultstring" or "Text")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    private static JsonElement? Navigate(JsonElement element, string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return element;
        }

        var current = element;
        foreach (var part in path.TrimStart('$', '.').Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    private static string? JsonText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private string Setting(string name, string fallback) => _config.Settings?.GetValueOrDefault(name) ?? fallback;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record HttpRow(string?[] Values);
}
