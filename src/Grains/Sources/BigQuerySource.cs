using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Pulso.Grains.Abstractions.Sources;

namespace Pulso.Grains.Sources;

/// <summary>
/// A BigQuery table (or read-only query) through the REST API: <c>jobs.query</c> with named, typed parameters and
/// <c>jobs.getQueryResults</c> until the job is complete and every page of its rows is read. The same keyset pages
/// as the SQL sources (BigQuery has no row comparisons, so the position test is spelled out column by column).
/// Authenticated as a service account (its JSON key is the source's secret) with a self-signed JWT per request, so
/// no token endpoint is involved; <c>Location</c> points the client at another endpoint (an emulator, a test server).
/// </summary>
public sealed class BigQuerySource : FeedSource
{
    public const string DefaultEndpoint = "https://bigquery.googleapis.com";
    private const string Scope = "https://www.googleapis.com/auth/bigquery";
    private readonly SourceContext _context;
    private readonly SourceConfig _config;
    private readonly ServiceAccountCredential _credential;
    private readonly string _endpoint;
    private readonly string _project;

    public BigQuerySource(SourceContext context, SourceConfig config, string serviceAccountJson, IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag)
        : base(feeds, settleLag, (context ?? throw new ArgumentNullException(nameof(context))).Time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        _context = context;
        _config = config;
        _credential = Credential(serviceAccountJson);
        _endpoint = (config.Location ?? DefaultEndpoint).TrimEnd('/');
        _project = config.Settings!["projectId"];
    }

    public static void Validate(SourceConfig config, string? secret, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(problems);
        if (config.Settings?.GetValueOrDefault("projectId") is not { Length: > 0 } project || !FeedPlan.IsTableName(project) || project.Contains('.', StringComparison.Ordinal))
        {
            problems.Add("settings.projectId (the Google Cloud project that runs the queries) is required: letters, digits, '-' and '_'");
        }

        if (config.Location is not null && (!Uri.TryCreate(config.Location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add($"location must be the BigQuery API's absolute http(s) URL (default {DefaultEndpoint})");
        }

        if (string.IsNullOrWhiteSpace(secret))
        {
            problems.Add("secret (the service account's JSON key) is required");
            return;
        }

        try
        {
            Credential(secret);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException or System.Security.Cryptography.CryptographicException)
        {
            problems.Add("secret is not a service account JSON key (type, client_email, private_key)");
        }
    }

    protected override async Task<SourcePage?> ReadFeedAsync(FeedPlan feed, FeedWatermark mark, int pageSize, Position? replayTo, CancellationToken ct)
    {
        var after = mark[feed.Feed];
        var upTo = replayTo;
        var horizon = Horizons[feed.Feed];
        if (replayTo is null && !horizon.Unbounded)
        {
            var tip = await QueryAsync(feed, Select(feed, descending: true, [], 1), [], ct);
            horizon.Observe(tip.Positions.Count > 0 ? tip.Positions[0] : null);
            upTo = horizon.Current;
            if (upTo is null || (after is not null && upTo <= after))
            {
                return null;
            }
        }

        var parameters = new List<JsonObject>();
        var conditions = new List<string>();
        if (after is not null)
        {
            conditions.Add(Compare(feed, ">", after, "a", parameters));
        }

        if (upTo is not null)
        {
            conditions.Add(Compare(feed, "<=", upTo, "h", parameters));
        }

        var result = await QueryAsync(feed, Select(feed, descending: false, conditions, pageSize), parameters, ct);
        if (result.Rows.Count == 0)
        {
            return null;
        }

        var builder = new PageBuilder(feed, _context.Tenant, _context.SourceName);
        result.Rows.ForEach(r => builder.Add(r));
        var full = result.Rows.Count >= pageSize;
        if (full)
        {
            MarkBehind();
        }

        return builder.Build(mark, after, result.Positions[^1], full, LagSeconds(null));
    }

    private static string Select(FeedPlan feed, bool descending, List<string> conditions, int limit)
    {
        var columns = descending ? feed.PositionColumns.Select(i => feed.Columns[i]).ToList() : [.. feed.Columns];
        var sql = new StringBuilder("SELECT ").AppendJoin(", ", columns.Select(Quote)).Append(" FROM ");
        sql.Append(feed.Config.Query is { } query ? $"({query}) AS pulso_source" : string.Join('.', FeedPlan.TableParts(feed.Config.Table!).Select(Quote)));
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        sql.Append(" ORDER BY ").AppendJoin(", ", feed.PositionColumns.Select(i => Quote(feed.Columns[i]) + (descending ? " DESC" : string.Empty)))
            .Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        return sql.ToString();
    }

    private static string Quote(string identifier) => "`" + identifier + "`";

    /// <summary><c>(c1 &gt; @a0 OR (c1 = @a0 AND c2 &gt; @a1))</c> with typed named parameters.</summary>
    private static string Compare(FeedPlan feed, string op, Position position, string prefix, List<JsonObject> parameters)
    {
        var columns = feed.PositionColumns.Select(i => Quote(feed.Columns[i])).ToList();
        for (var i = 0; i < position.Values.Count; i++)
        {
            var (type, value) = Parameter(position.Values[i]);
            parameters.Add(new JsonObject
            {
                ["name"] = $"{prefix}{i}",
                ["parameterType"] = new JsonObject { ["type"] = type },
                ["parameterValue"] = new JsonObject { ["value"] = value },
            });
        }

        var strict = op.TrimEnd('=');
        var parts = new List<string>();
        for (var i = 0; i < columns.Count; i++)
        {
            var equal = Enumerable.Range(0, i).Select(j => $"{columns[j]} = @{prefix}{j}");
            parts.Add("(" + string.Join(" AND ", equal.Append($"{columns[i]} {(i == columns.Count - 1 ? op : strict)} @{prefix}{i}")) + ")");
        }

        return "(" + string.Join(" OR ", parts) + ")";
    }

    private static (string Type, string Value) Parameter(PositionValue value) => value.Tag switch
    {
        'l' => ("INT64", value.Text),
        'n' => ("NUMERIC", value.Text),
        't' => ("DATETIME", ((DateTime)value.ToParameter()).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        'o' => ("TIMESTAMP", ((DateTimeOffset)value.ToParameter()).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture)),
        'd' => ("DATE", value.Text),
        _ => ("STRING", value.Text),
    };

    /// <summary>Runs a query to completion and reads every page of its rows: text values and the rows' positions.</summary>
    private async Task<QueryRows> QueryAsync(FeedPlan feed, string sql, List<JsonObject> parameters, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["query"] = sql,
            ["useLegacySql"] = false,
            ["parameterMode"] = "NAMED",
            ["queryParameters"] = new JsonArray([.. parameters]),
            ["timeoutMs"] = 10_000,
            ["formatOptions"] = new JsonObject { ["useInt64Timestamp"] = true },
        };
        if (_config.Settings?.GetValueOrDefault("location") is { } location)
        {
            body["location"] = location;
        }

        var response = await SendAsync(HttpMethod.Post, $"{_endpoint}/bigquery/v2/projects/{Uri.EscapeDataString(_project)}/queries", body, ct);
        var result = new QueryRows([], []);
        while (true)
        {
            var complete = response.TryGetProperty("jobComplete", out var done) && done.GetBoolean();
            var job = response.GetProperty("jobReference");
            string? pageToken = null;
            if (complete)
            {
                Collect(feed, response, result);
                pageToken = response.TryGetProperty("pageToken", out var token) ? token.GetString() : null;
                if (pageToken is null)
                {
                    return result;
                }
            }

            var url = new StringBuilder($"{_endpoint}/bigquery/v2/projects/{Uri.EscapeDataString(job.GetProperty("projectId").GetString()!)}/queries/{Uri.EscapeDataString(job.GetProperty("jobId").GetString()!)}?timeoutMs=10000&formatOptions.useInt64Timestamp=true");
            if (job.TryGetProperty("location", out var jobLocation) && jobLocation.GetString() is { } loc)
            {
                url.Append("&location=").Append(Uri.EscapeDataString(loc));
            }

            if (pageToken is not null)
            {
                url.Append("&pageToken=").Append(Uri.EscapeDataString(pageToken));
            }

            response = await SendAsync(HttpMethod.Get, url.ToString(), null, ct);
        }
    }

    private void Collect(FeedPlan feed, JsonElement response, QueryRows result)
    {
        if (!response.TryGetProperty("rows", out var rows))
        {
            return;
        }

        var fields = response.GetProperty("schema").GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("type").GetString() ?? "STRING").ToArray();
        var positionsOnly = fields.Length == feed.PositionColumns.Count && fields.Length != feed.Columns.Count;
        foreach (var row in rows.EnumerateArray())
        {
            var cells = row.GetProperty("f").EnumerateArray().Select(c => c.GetProperty("v")).ToArray();
            var raw = cells.Select(c => c.ValueKind == JsonValueKind.Null ? null : c.GetString()).ToArray();
            var positionIndexes = positionsOnly ? Enumerable.Range(0, fields.Length).ToList() : [.. feed.PositionColumns];
            result.Positions.Add(new Position([.. positionIndexes.Select(i => Position(fields[i], raw[i]))]));
            if (!positionsOnly)
            {
                result.Rows.Add([.. raw.Select((v, i) => Text(fields[i], v))]);
            }
        }
    }

    private static PositionValue Position(string type, string? value) => type switch
    {
        _ when value is null => new PositionValue('s', string.Empty),
        "INTEGER" or "INT64" => new PositionValue('l', value),
        "FLOAT" or "FLOAT64" or "NUMERIC" or "BIGNUMERIC" => new PositionValue('n', decimal.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
        "TIMESTAMP" => PositionValue.From(new DateTimeOffset(Instant(value), TimeSpan.Zero)),
        "DATETIME" => PositionValue.From(DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.None)),
        "DATE" => new PositionValue('d', value),
        _ => new PositionValue('s', value),
    };

    /// <summary>A cell as text: DATETIME as <c>yyyy-MM-dd HH:mm:ss</c>, TIMESTAMP in the tenant's zone, the rest as sent.</summary>
    private string? Text(string type, string? value) => type switch
    {
        _ when value is null => null,
        "TIMESTAMP" => SourceText.Of(Instant(value), _context.Zone),
        "DATETIME" => SourceText.Format(DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.None)),
        _ => value,
    };

    /// <summary>A TIMESTAMP cell: microseconds since the epoch (useInt64Timestamp), or seconds as a float.</summary>
    private static DateTime Instant(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros)
            ? DateTime.UnixEpoch.AddTicks(micros * 10)
            : DateTime.UnixEpoch.AddSeconds(double.Parse(value, CultureInfo.InvariantCulture));

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, JsonObject? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var token = await ((ITokenAccess)_credential).GetAccessTokenForRequestAsync(url, ct);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _context.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var message = TryError(text) ?? response.ReasonPhrase;
            throw new HttpRequestException($"BigQuery {method} {new Uri(url).AbsolutePath} answered {(int)response.StatusCode}: {message}", null, response.StatusCode);
        }

        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    private static string? TryError(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message) ? message.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ServiceAccountCredential Credential(string json)
    {
        using var key = JsonDocument.Parse(json);
        var root = key.RootElement;
        if (root.GetProperty("type").GetString() != "service_account")
        {
            throw new FormatException("not a service account key");
        }

        var initializer = new ServiceAccountCredential.Initializer(root.GetProperty("client_email").GetString())
        {
            KeyId = root.TryGetProperty("private_key_id", out var id) ? id.GetString() : null,
            ProjectId = root.TryGetProperty("project_id", out var project) ? project.GetString() : null,
            Scopes = [Scope],
            UseJwtAccessWithScopes = true,
        }.FromPrivateKey(root.GetProperty("private_key").GetString());
        return new ServiceAccountCredential(initializer);
    }

    private sealed record QueryRows(List<string?[]> Rows, List<Position> Positions);
}
