namespace Pulso.Cluster.Tests.Support;

/// <summary>The servers scripts/services.sh starts, as the tests find them.</summary>
internal static class TestServices
{
    public const string PostgresVariable = "PULSO_TEST_POSTGRES";

    /// <summary>
    /// The PostgreSQL connection string. Missing is a failure, not a skip: a run without the
    /// server would otherwise look green while testing nothing.
    /// </summary>
    public static string Postgres =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set: run scripts/services.sh start, then source .scratch/services.env " +
                "(scripts/test.sh does both).");
}
