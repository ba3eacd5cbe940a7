using Npgsql;
using Orleans.Runtime;
using Pulso.Cluster.Tests.Support;

namespace Pulso.Cluster.Tests.Clustering;

/// <summary>Two real silos in this process meeting through the PostgreSQL membership table.</summary>
public sealed class TwoSiloClusterTests(MembershipSchemaFixture schema) : IClassFixture<MembershipSchemaFixture>
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoSilosFormOneClusterAndTheSurvivorSeesTheOtherLeave()
    {
        var clusterId = $"cluster-{Guid.NewGuid():N}";
        await using var first = await TestSilo.StartAsync(schema.ConnectionString, clusterId);
        await using var second = await TestSilo.StartAsync(schema.ConnectionString, clusterId);

        await Eventually.MatchesAsync(first.ActiveSilosAsync, silos => silos.Count == 2, s_patience, "first silo sees two active silos");
        await Eventually.MatchesAsync(second.ActiveSilosAsync, silos => silos.Count == 2, s_patience, "second silo sees two active silos");
        Assert.Equal(
            new[] { SiloStatus.Active, SiloStatus.Active },
            await StatusesAsync(clusterId));

        await second.StopAsync();

        var alone = await Eventually.MatchesAsync(first.ActiveSilosAsync, silos => silos.Count == 1, s_patience, "first silo sees itself alone");
        Assert.Equal(first.SiloPort, Assert.Single(alone).Endpoint.Port);
        Assert.Equal(
            new[] { SiloStatus.Active, SiloStatus.Dead },
            await StatusesAsync(clusterId));
    }

    // The rows as the membership table holds them, in start order.
    private async Task<SiloStatus[]> StatusesAsync(string clusterId)
    {
        await using var connection = new NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status FROM orleans_membership WHERE deployment_id = @id ORDER BY start_time, port", connection);
        command.Parameters.AddWithValue("id", clusterId);
        var statuses = new List<SiloStatus>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses.Add((SiloStatus)reader.GetInt32(0));
        }

        return [.. statuses];
    }
}
