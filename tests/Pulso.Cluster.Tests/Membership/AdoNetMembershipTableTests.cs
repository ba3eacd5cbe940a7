using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Pulso.Cluster.Tests.Support;

namespace Pulso.Cluster.Tests.Membership;

/// <summary>
/// The Orleans ADO.NET provider's own table and gateway classes against our PostgreSQL queries:
/// the contract a silo relies on (versions as etags, refused stale writes, heartbeats, clean-up).
/// Each test works in a cluster id of its own.
/// </summary>
public sealed class AdoNetMembershipTableTests(MembershipSchemaFixture schema) : IClassFixture<MembershipSchemaFixture>
{
    private readonly string _clusterId = $"table-{Guid.NewGuid():N}";

    [Fact]
    public async Task NewClusterReadsEmptyAtVersionZero()
    {
        var table = await OpenTableAsync();

        var data = await table.ReadAllAsync();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        Assert.Equal("0", data.Version.VersionEtag);
    }

    [Fact]
    public async Task InitialisingAgainKeepsTheMembers()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));

        var again = await OpenTableAsync();

        var data = await again.ReadAllAsync();
        Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task InsertAtTheCurrentVersionAddsTheSiloAndBumpsTheVersion()
    {
        var table = await OpenTableAsync();
        var entry = Entry(1);
        entry.Status = SiloStatus.Active;

        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        var (stored, etag) = Assert.Single(data.Members);
        Assert.Equal("1", etag);
        Assert.Equal(entry.SiloAddress, stored.SiloAddress);
        Assert.Equal(entry.SiloName, stored.SiloName);
        Assert.Equal(entry.HostName, stored.HostName);
        Assert.Equal(SiloStatus.Active, stored.Status);
        Assert.Equal(entry.ProxyPort, stored.ProxyPort);
        Assert.Equal(entry.StartTime, stored.StartTime);
        Assert.Equal(entry.IAmAliveTime, stored.IAmAliveTime);
    }

    [Fact]
    public async Task InsertWithAStaleVersionIsRefused()
    {
        var table = await OpenTableAsync();
        var stale = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(Entry(1), stale.Next()));

        Assert.False(await table.InsertRowAsync(Entry(2), stale.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Equal(Entry(1).SiloAddress, Assert.Single(data.Members).Item1.SiloAddress);
    }

    [Fact]
    public async Task TheSameSiloCannotBeInsertedTwice()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));

        Assert.False(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task OfWritersHoldingTheSameVersionExactlyOneWins()
    {
        var table = await OpenTableAsync();
        var version = (await table.ReadAllAsync()).Version;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writers = Enumerable.Range(1, 8)
            .Select(port => Task.Run(async () =>
            {
                await start.Task;
                return await table.InsertRowAsync(Entry(port), version.Next());
            }))
            .ToArray();
        start.SetResult();
        var results = await Task.WhenAll(writers);

        Assert.Single(results, won => won);
        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task UpdateAtTheCurrentVersionStoresStatusAndSuspicions()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));
        var data = await table.ReadAllAsync();
        var (entry, etag) = Assert.Single(data.Members);
        var suspecter = Entry(2).SiloAddress;
        var suspectedAt = Now();
        entry.Status = SiloStatus.Active;
        entry.AddOrUpdateSuspector(suspecter, suspectedAt, 3);

        Assert.True(await table.UpdateRowAsync(entry, etag, data.Version.Next()));

        var after = await table.ReadAllAsync();
        Assert.Equal(2, after.Version.Version);
        var stored = Assert.Single(after.Members).Item1;
        Assert.Equal(SiloStatus.Active, stored.Status);
        Assert.NotNull(stored.SuspectTimes);
        var (by, at) = Assert.Single(stored.SuspectTimes);
        Assert.Equal(suspecter, by);
        Assert.Equal(suspectedAt, at, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task UpdateWithAStaleVersionIsRefused()
    {
        var table = await OpenTableAsync();
        var empty = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(Entry(1), empty.Next()));
        var entry = Assert.Single((await table.ReadAllAsync()).Members).Item1;
        entry.Status = SiloStatus.Dead;

        // Written as if the table were still at version 0: the database must say no.
        Assert.False(await table.UpdateRowAsync(entry, empty.VersionEtag, empty.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Equal(SiloStatus.Joining, Assert.Single(data.Members).Item1.Status);
    }

    [Fact]
    public async Task UpdateOfAnUnknownSiloIsRefused()
    {
        var table = await OpenTableAsync();
        var data = await table.ReadAllAsync();

        Assert.False(await table.UpdateRowAsync(Entry(9), data.Version.VersionEtag, data.Version.Next()));

        Assert.Equal(0, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task HeartbeatMovesIAmAliveButNotTheVersion()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));
        var entry = Assert.Single((await table.ReadAllAsync()).Members).Item1;
        var later = entry.IAmAliveTime.AddSeconds(42);
        entry.IAmAliveTime = later;

        await table.UpdateIAmAliveAsync(entry);

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Equal(later, Assert.Single(data.Members).Item1.IAmAliveTime);
    }

    [Fact]
    public async Task ReadRowReturnsThatSiloWithTheTableVersion()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await table.InsertRowAsync(Entry(2), (await table.ReadAllAsync()).Version.Next()));

        var row = await table.ReadRowAsync(Entry(2).SiloAddress);
        var missing = await table.ReadRowAsync(Entry(3).SiloAddress);

        Assert.Equal(2, row.Version.Version);
        Assert.Equal(Entry(2).SiloAddress, Assert.Single(row.Members).Item1.SiloAddress);
        Assert.Equal(2, missing.Version.Version);
        Assert.Empty(missing.Members);
    }

    [Fact]
    public async Task GatewaysAreTheActiveSilosThatHaveAProxyPort()
    {
        var table = await OpenTableAsync();
        var active = Entry(1, SiloStatus.Active);
        var noGateway = Entry(2, SiloStatus.Active);
        noGateway.ProxyPort = 0;
        var joining = Entry(3, SiloStatus.Joining);
        var dead = Entry(4, SiloStatus.Dead);
        foreach (var entry in new[] { active, noGateway, joining, dead })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var gateways = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = "Npgsql", ConnectionString = schema.ConnectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "pulso-cluster-tests" }));
        await gateways.InitializeGatewayListProviderAsync();

        var uris = await gateways.GetGatewaysAsync();

        var expected = SiloAddress.New(active.SiloAddress.Endpoint.Address, active.ProxyPort, active.SiloAddress.Generation);
        Assert.Equal([expected.ToGatewayUri()], uris);
    }

    [Fact]
    public async Task CleanupRemovesOnlyDeadSilosSilentSinceTheCutoff()
    {
        var table = await OpenTableAsync();
        var longDead = Entry(1, SiloStatus.Dead, Now().AddHours(-2));
        var recentlyDead = Entry(2, SiloStatus.Dead);
        var silentButActive = Entry(3, SiloStatus.Active, Now().AddHours(-2));
        var longDeadOnceSuspected = Entry(4, SiloStatus.Dead, Now().AddHours(-2));
        var deadButRecentlySuspected = Entry(5, SiloStatus.Dead, Now().AddHours(-2));
        foreach (var entry in new[] { longDead, recentlyDead, silentButActive, longDeadOnceSuspected, deadButRecentlySuspected })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        await SuspectAsync(table, longDeadOnceSuspected, Now().AddHours(-2));
        await SuspectAsync(table, deadButRecentlySuspected, Now());

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        var data = await table.ReadAllAsync();
        Assert.Equal(
            new[] { recentlyDead.SiloAddress, silentButActive.SiloAddress, deadButRecentlySuspected.SiloAddress }.Order(),
            data.Members.Select(m => m.Item1.SiloAddress).Order());
        Assert.Equal(7, data.Version.Version);
    }

    [Fact]
    public async Task LegacyBulkCleanupQueryRemovesOnlyDeadSilosSilentSinceTheCutoff()
    {
        var table = await OpenTableAsync();
        var longDead = Entry(1, SiloStatus.Dead, Now().AddHours(-2));
        var recentlyDead = Entry(2, SiloStatus.Dead);
        foreach (var entry in new[] { longDead, recentlyDead })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        // The provider falls back to this key when CleanupDefunctSiloEntryKey is absent; run it as it would.
        await using var connection = new NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntriesKey'", connection);
        var sql = (string)(await read.ExecuteScalarAsync())!;
        await using var cleanup = new NpgsqlCommand(sql, connection);
        cleanup.Parameters.Add(new NpgsqlParameter("DeploymentId", _clusterId));
        cleanup.Parameters.Add(new NpgsqlParameter("IAmAliveTime", System.Data.DbType.DateTime) { Value = DateTime.UtcNow.AddHours(-1) });
        await cleanup.ExecuteNonQueryAsync();

        var data = await table.ReadAllAsync();
        Assert.Equal(recentlyDead.SiloAddress, Assert.Single(data.Members).Item1.SiloAddress);
    }

    [Fact]
    public async Task DeletingTheClusterRemovesItsRowsAndVersion()
    {
        var table = await OpenTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next()));

        await table.DeleteMembershipTableEntriesAsync(_clusterId);

        await using var connection = new NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM orleans_membership WHERE deployment_id = @id) + (SELECT count(*) FROM orleans_membership_version WHERE deployment_id = @id)",
            connection);
        count.Parameters.AddWithValue("id", _clusterId);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
        var reopened = await OpenTableAsync();
        Assert.Empty((await reopened.ReadAllAsync()).Members);
    }

    // Adds a suspicion vote by another silo, through the provider's versioned update.
    private static async Task SuspectAsync(AdoNetClusteringTable table, MembershipEntry suspected, DateTime at)
    {
        var data = await table.ReadAllAsync();
        var (entry, etag) = data.Members.Single(m => m.Item1.SiloAddress.Equals(suspected.SiloAddress));
        entry.AddOrUpdateSuspector(Entry(99).SiloAddress, at, 3);
        Assert.True(await table.UpdateRowAsync(entry, etag, data.Version.Next()));
    }

    private async Task<AdoNetClusteringTable> OpenTableAsync()
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "pulso-cluster-tests" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = "Npgsql", ConnectionString = schema.ConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    // PostgreSQL keeps microseconds; starting from whole microseconds makes round trips exact.
    private static DateTime Now()
    {
        var ticks = DateTime.UtcNow.Ticks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Utc);
    }

    private static MembershipEntry Entry(int n, SiloStatus status = SiloStatus.Joining, DateTime? at = null)
    {
        var time = at ?? Now();
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 20_000 + n, 700_000 + n),
            SiloName = $"silo-{n}",
            HostName = "test-host",
            Status = status,
            ProxyPort = 30_000 + n,
            StartTime = time,
            IAmAliveTime = time,
        };
    }
}
