using System.Data.Common;
using Pulso.Grains.Abstractions.Sources;

namespace Pulso.Grains.Sources;

/// <summary>The checks of a source's configuration for its kind, and the adapter each kind is read through.</summary>
public static class SourceKinds
{
    /// <summary>Kinds read from a database or web service, whose secret is a connection string, a key or a header.</summary>
    public static bool NeedsSecret(string kind) => kind is "postgres" or "mysql" or "bigquery";

    /// <summary>Kinds whose feeds go through <see cref="FeedPlan"/>.</summary>
    public static bool HasFeeds(string kind) => kind is "postgres" or "mysql" or "bigquery" or "rest" or "soap";

    /// <summary>
    /// The problems of <paramref name="config"/>, each naming its setting; <paramref name="secret"/> is the secret in
    /// clear (new or kept), never quoted in a problem.
    /// </summary>
    public static List<string> Validate(SourceConfig config, string? secret, out IReadOnlyList<FeedPlan> plans, SourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        plans = [];
        if (!SourceConfig.Kinds.Contains(config.Kind))
        {
            problems.Add($"kind '{config.Kind}' is not one of {string.Join(", ", SourceConfig.Kinds)}");
        }

        if (!double.IsFinite(config.PollIntervalSeconds) || config.PollIntervalSeconds is < 0.1 or > 86_400)
        {
            problems.Add("pollIntervalSeconds must be between 0.1 and 86400");
        }

        if (config.PageSize is < 1 or > 1_000_000)
        {
            problems.Add("pageSize must be between 1 and 1000000");
        }

        if (!double.IsFinite(config.SettleLagSeconds) || config.SettleLagSeconds is < 0 or > 86_400)
        {
            problems.Add("settleLagSeconds must be between 0 and 86400");
        }

        switch (config.Kind)
        {
            case "file" when string.IsNullOrWhiteSpace(config.Location):
                problems.Add("location (a folder) is required for a file source");
                break;
            case "file" when options is not null && !options.AllowsFolder(config.Location):
                problems.Add($"location '{config.Location}' is not inside the folders file sources may read ({SourceOptions.Section}:FileRoots)");
                break;
            case "postgres":
                CheckConnectionString(secret, "PostgreSQL", s => new Npgsql.NpgsqlConnectionStringBuilder(s), problems);
                break;
            case "mysql":
                CheckConnectionString(secret, "MySQL", s => new MySqlConnector.MySqlConnectionStringBuilder(s), problems);
                break;
            case "bigquery":
                BigQuerySource.Validate(config, secret, problems);
                break;
            case "rest":
            case "soap":
                HttpFeedSource.Validate(config, problems);
                break;
        }

        if (HasFeeds(config.Kind))
        {
            plans = Plans(config, problems);
        }

        if (options is { AllowedHosts.Count: > 0 } && problems.Count == 0)
        {
            foreach (var host in Hosts(config, secret).Where(h => !options.AllowsHost(h)))
            {
                problems.Add($"host '{host}' is not one the sources may reach ({SourceOptions.Section}:AllowedHosts)");
            }
        }

        return problems;
    }

    /// <summary>The hosts a configuration reaches: the connection string's for databases, the URL's for web services.</summary>
    private static IEnumerable<string> Hosts(SourceConfig config, string? secret) => config.Kind switch
    {
        "postgres" => (new Npgsql.NpgsqlConnectionStringBuilder(secret).Host ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => h.Split(':')[0]),
        "mysql" => (new MySqlConnector.MySqlConnectionStringBuilder(secret ?? string.Empty).Server ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        "bigquery" => [new Uri(config.Location ?? BigQuerySource.DefaultEndpoint).Host],
        "rest" or "soap" => [new Uri(config.Location!).Host],
        _ => [],
    };

    /// <summary>The adapter for a validated configuration.</summary>
    public static IGestionSource Create(SourceConfig config, string? secret, SourceContext context, SourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(context);
        var problems = Validate(config, secret, out var plans, options);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        var settle = TimeSpan.FromSeconds(config.SettleLagSeconds);
        return config.Kind switch
        {
            "file" => new FileSource(context.Tenant, config.Location!),
            "postgres" => new PostgresSource(context.Tenant, context.SourceName, secret!, plans, settle, context.Zone, context.Time),
            "mysql" => new MySqlSource(context.Tenant, context.SourceName, secret!, plans, settle, context.Zone, context.Time),
            "bigquery" => new BigQuerySource(context, config, secret!, plans, settle),
            "rest" or "soap" => new HttpFeedSource(context, config, secret, plans, settle),
            _ => throw new InvalidOperationException($"kind '{config.Kind}' has no adapter here"),
        };
    }

    private static List<FeedPlan> Plans(SourceConfig config, List<string> problems)
    {
        var plans = new List<FeedPlan>();
        var sinceMode = config.Kind != "rest" || HttpFeedSource.Pagination(config) == "since";
        var isSql = config.Kind is "postgres" or "mysql" or "bigquery";
        if (config.Gestiones is null)
        {
            problems.Add("gestiones (the feed of gestiones: table or query, columns, watermarkColumn) is required");
        }
        else
        {
            if (isSql && config.Gestiones.Table is null && config.Gestiones.Query is null)
            {
                problems.Add("gestiones.table (or gestiones.query) is required");
            }

            if (FeedPlan.Create("gestiones", config.Gestiones, jornadas: false, requireWatermark: sinceMode, problems) is { } plan)
            {
                plans.Add(plan);
            }
        }

        if (config.Jornadas is { } jornadas)
        {
            if (isSql && jornadas.Table is null && jornadas.Query is null)
            {
                problems.Add("jornadas.table (or jornadas.query) is required");
            }

            if (FeedPlan.Create("jornadas", jornadas, jornadas: true, requireWatermark: sinceMode, problems) is { } plan)
            {
                plans.Add(plan);
            }
        }

        return plans;
    }

    private static void CheckConnectionString(string? secret, string what, Func<string, DbConnectionStringBuilder> parse, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            problems.Add($"secret (the {what} connection string) is required");
            return;
        }

        try
        {
            parse(secret);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            // The message of these exceptions can quote the string: never pass it on.
            problems.Add($"secret is not a valid {what} connection string");
        }
    }
}

/// <summary>What an adapter needs to know of its grain: whose it is, the tenant's time zone, the clock, an HTTP client.</summary>
public sealed record SourceContext(string Tenant, string SourceName, TimeZoneInfo Zone, TimeProvider Time, HttpClient Http);
