using Npgsql;

namespace Pulso.Silo.Clustering;

/// <summary>
/// Owns the PostgreSQL schema behind Orleans ADO.NET clustering: the membership tables and
/// the <c>OrleansQuery</c> rows the provider loads at start-up (the Orleans packages ship no
/// SQL). Every silo applies it before it joins; applying it again changes nothing.
/// </summary>
public static partial class PostgresMembershipSchema
{
    /// <summary>The schema version this build writes. A release that changes the tables raises it and migrates from the stored one.</summary>
    public const int Version = 1;

    /// <summary>The row of <c>pulso_schema_version</c> that records <see cref="Version"/>.</summary>
    public const string Component = "orleans-membership";

    // Also the first statement of PostgresMembership.sql, so that applying the file by hand
    // takes the same lock.
    private const long LockKey = 4827104719205861513;

    private const string ScriptResource = "Pulso.Silo.Clustering.PostgresMembership.sql";

    private static readonly Lazy<string> s_script = new(LoadScript);

    /// <summary>
    /// Creates the membership schema, or migrates it from an older version, in one transaction.
    /// Silos starting together queue on a transaction-scoped advisory lock. A database already
    /// at this version, or at a newer one (a later release rolled out first), is left as it is,
    /// so once the schema exists a silo needs no more than SELECT on <c>pulso_schema_version</c>
    /// here.
    /// </summary>
    public static async Task EnsureAsync(string connectionString, ILogger logger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(logger);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        var stored = await ReadStoredVersionAsync(connection, transaction, ct);
        if (stored >= Version)
        {
            if (stored > Version)
            {
                LogNewerSchema(logger, Component, stored.Value, Version);
            }
            else
            {
                LogCurrent(logger, Component, Version);
            }

            await transaction.CommitAsync(ct);
            return;
        }

        // Every statement of the script is idempotent, so it also completes a partial schema.
        await using (var apply = new NpgsqlCommand(s_script.Value, connection, transaction))
        {
            await apply.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);

        if (stored is null)
        {
            LogCreated(logger, Component, Version);
        }
        else
        {
            LogMigrated(logger, Component, stored.Value, Version);
        }
    }

    private static async Task<int?> ReadStoredVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        // Before the first run the table does not exist, and a query naming it would fail.
        await using (var exists = new NpgsqlCommand(
            "SELECT to_regclass('pulso_schema_version') IS NOT NULL", connection, transaction))
        {
            if (await exists.ExecuteScalarAsync(ct) is not true)
            {
                return null;
            }
        }

        await using var read = new NpgsqlCommand(
            "SELECT version FROM pulso_schema_version WHERE component = @component", connection, transaction);
        read.Parameters.AddWithValue("component", Component);
        return await read.ExecuteScalarAsync(ct) is int version ? version : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created membership schema {Component} version {Version}")]
    private static partial void LogCreated(ILogger logger, string component, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrated membership schema {Component} from version {StoredVersion} to {Version}")]
    private static partial void LogMigrated(ILogger logger, string component, int storedVersion, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership schema {Component} is already at version {Version}")]
    private static partial void LogCurrent(ILogger logger, string component, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Membership schema {Component} is at version {StoredVersion}, newer than version {Version} of this build; leaving it unchanged")]
    private static partial void LogNewerSchema(ILogger logger, string component, int storedVersion, int version);

    private static string LoadScript()
    {
        using var stream = typeof(PostgresMembershipSchema).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"Embedded resource {ScriptResource} is missing from {typeof(PostgresMembershipSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
