using Microsoft.Extensions.Logging.Abstractions;
using Pulso.Silo.Clustering;

namespace Pulso.Cluster.Tests.Support;

/// <summary>Applies the membership schema to the shared test database once per test class, as a silo does at start-up.</summary>
public sealed class MembershipSchemaFixture : IAsyncLifetime
{
    public string ConnectionString { get; } = TestServices.Postgres;

    public Task InitializeAsync() =>
        PostgresMembershipSchema.EnsureAsync(ConnectionString, NullLogger.Instance, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;
}
