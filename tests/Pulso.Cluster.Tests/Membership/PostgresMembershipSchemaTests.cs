using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pulso.Cluster.Tests.Support;
using Pulso.Silo.Clustering;

namespace Pulso.Cluster.Tests.Membership;

public sealed class PostgresMembershipSchemaTests
{
    // What Microsoft.Orleans.Clustering.AdoNet 10.4.2 reads from OrleansQuery (the last one is optional to it).
    private static readonly string[] s_providerKeys =
    [
        "CleanupDefunctSiloEntriesKey",
        "CleanupDefunctSiloEntryKey",
        "DeleteMembershipTableEntriesKey",
        "GatewaysQueryKey",
        "InsertMembershipKey",
        "InsertMembershipVersionKey",
        "MembershipReadAllKey",
        "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey",
        "UpdateMembershipKey",
    ];

    [Fact]
    public async Task EmptyDatabaseGetsEveryQueryTheProviderReads()
    {
        await using var database = await ScratchDatabase.CreateAsync();

        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);

        var snapshot = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        Assert.Equal(s_providerKeys, snapshot.QueryKeys);
        Assert.Equal(PostgresMembershipSchema.Version, snapshot.SchemaVersion);
    }

    [Fact]
    public async Task ApplyingTheSchemaAgainChangesNothing()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        var logger = new RecordingLogger();

        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);
        var first = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);
        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);
        var third = await SchemaSnapshot.ReadAsync(database.ConnectionString);

        Assert.Equal(first.Tables, third.Tables);
        Assert.Equal(first.Queries, third.Queries);
        Assert.Equal(first.SchemaVersion, third.SchemaVersion);
        Assert.Single(logger.Entries, e => e.Message.StartsWith("Created membership schema", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SilosStartingTogetherCreateTheSchemaOnce()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        var logger = new RecordingLogger();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Eight "silos" released at the same moment, each with its own connection.
        var silos = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(async () =>
            {
                await start.Task;
                await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);
            }))
            .ToArray();
        start.SetResult();
        await Task.WhenAll(silos);

        Assert.Single(logger.Entries, e => e.Message.StartsWith("Created membership schema", StringComparison.Ordinal));
        var snapshot = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        Assert.Equal(s_providerKeys, snapshot.QueryKeys);
    }

    [Fact]
    public async Task NewerSchemaFromALaterReleaseIsLeftAlone()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        await SchemaSnapshot.ExecuteAsync(
            database.ConnectionString,
            "UPDATE pulso_schema_version SET version = version + 1 WHERE component = 'orleans-membership';" +
            "UPDATE orleansquery SET querytext = 'changed by a later release' WHERE querykey = 'GatewaysQueryKey'");
        var logger = new RecordingLogger();

        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);

        var snapshot = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        Assert.Equal(PostgresMembershipSchema.Version + 1, snapshot.SchemaVersion);
        Assert.Equal("changed by a later release", snapshot.Queries["GatewaysQueryKey"]);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task OlderSchemaIsBroughtUpToDate()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        var current = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        await SchemaSnapshot.ExecuteAsync(
            database.ConnectionString,
            "UPDATE pulso_schema_version SET version = 0 WHERE component = 'orleans-membership';" +
            "DELETE FROM orleansquery WHERE querykey = 'GatewaysQueryKey'");
        var logger = new RecordingLogger();

        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, logger, CancellationToken.None);

        var migrated = await SchemaSnapshot.ReadAsync(database.ConnectionString);
        Assert.Equal(current.Queries, migrated.Queries);
        Assert.Equal(PostgresMembershipSchema.Version, migrated.SchemaVersion);
        Assert.Single(logger.Entries, e => e.Message.StartsWith("Migrated membership schema", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SiloWithDataRightsOnlyStartsOnceTheSchemaExists()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        await PostgresMembershipSchema.EnsureAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        var role = $"pulso_silo_{Guid.NewGuid():N}";
        await SchemaSnapshot.ExecuteAsync(
            database.ConnectionString,
            $"CREATE ROLE {role} LOGIN;" +
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};" +
            $"REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        try
        {
            var asSilo = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;

            await PostgresMembershipSchema.EnsureAsync(asSilo, NullLogger.Instance, CancellationToken.None);

            var snapshot = await SchemaSnapshot.ReadAsync(database.ConnectionString);
            Assert.Equal(s_providerKeys, snapshot.QueryKeys);
        }
        finally
        {
            await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString))
            {
                NpgsqlConnection.ClearPool(connection);
            }

            await SchemaSnapshot.ExecuteAsync(
                database.ConnectionString,
                $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    /// <summary>What the schema consists of: tables with their columns, the stored queries, the recorded version.</summary>
    private sealed record SchemaSnapshot(string Tables, IReadOnlyDictionary<string, string> Queries, int? SchemaVersion)
    {
        public string[] QueryKeys => [.. Queries.Keys.Order(StringComparer.Ordinal)];

        public static async Task<SchemaSnapshot> ReadAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();

            await using var tablesCommand = new NpgsqlCommand(
                """
                SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, ordinal_position)
                FROM information_schema.columns
                WHERE table_schema = 'public'
                """,
                connection);
            var tables = (string)(await tablesCommand.ExecuteScalarAsync())!;

            var queries = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var queriesCommand = new NpgsqlCommand("SELECT querykey, querytext FROM orleansquery", connection))
            await using (var reader = await queriesCommand.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    queries.Add(reader.GetString(0), reader.GetString(1));
                }
            }

            await using var versionCommand = new NpgsqlCommand(
                "SELECT version FROM pulso_schema_version WHERE component = 'orleans-membership'", connection);
            var version = await versionCommand.ExecuteScalarAsync() as int?;

            return new SchemaSnapshot(tables, queries, version);
        }

        public static async Task ExecuteAsync(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
