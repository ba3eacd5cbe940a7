using System.Data.Common;
using Npgsql;

namespace Pulso.Grains.Sources;

/// <summary>A PostgreSQL table or query (Npgsql, pooled through one data source per source grain activation).</summary>
public sealed class PostgresSource(string tenant, string sourceName, string connectionString, IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag, TimeZoneInfo zone, TimeProvider time)
    : SqlSource(tenant, sourceName, feeds, settleLag, zone, time)
{
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(WithReadBuffer(connectionString)) { Name = $"pulso-source-{tenant}-{sourceName}" }.Build();

    protected override DbDataSource DataSource => _dataSource;

    protected override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Pages are read whole: a 64 KiB read buffer (Npgsql's default is 8 KiB) unless the connection string sets one.</summary>
    private static string WithReadBuffer(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Read Buffer Size", StringComparison.OrdinalIgnoreCase))
        {
            builder.ReadBufferSize = 64 * 1024;
        }

        return builder.ConnectionString;
    }
}

/// <summary>A MySQL or MariaDB table or query (MySqlConnector, pooled).</summary>
public sealed class MySqlSource(string tenant, string sourceName, string connectionString, IReadOnlyList<FeedPlan> feeds, TimeSpan settleLag, TimeZoneInfo zone, TimeProvider time)
    : SqlSource(tenant, sourceName, feeds, settleLag, zone, time)
{
    private readonly MySqlConnector.MySqlDataSource _dataSource = new(connectionString);

    protected override DbDataSource DataSource => _dataSource;

    protected override string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";
}
