using Orleans.TestingHost;

namespace Pulso.Grains.Tests.Support;

/// <summary>
/// Two silos and a client in this process, shared by every grain test (each test uses its own tenant ids).
/// The builder gives the cluster its own ClusterId and ports, so other test assemblies can run beside it.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private readonly CountingMetricJournal _journal = SharedStores.Journal;
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not deployed");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The journal every silo writes to, counted per key.</summary>
    internal CountingMetricJournal Journal => _journal;

    public async Task InitializeAsync()
    {
        // The silos' SendGrid host is this receiver: it must listen before they start.
        await AlertReceiver.SharedAsync();
        var builder = new TestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<PulsoTestSilo>();
        builder.AddClientBuilderConfigurator<PulsoTestClient>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>The tests that share <see cref="GrainClusterFixture"/>; they run one at a time, since some stop silos.</summary>
[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
