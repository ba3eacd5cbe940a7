using Pulso.Grains.Persistence;

namespace Pulso.Engine.Tests.Persistence;

public sealed class MemoryMetricJournalTests : MetricJournalContract
{
    protected override IMetricJournal CreateJournal() => new MemoryMetricJournal();

    [Fact]
    public async Task StoredBytesCannotBeChangedThroughTheCallersArrays()
    {
        var journal = new MemoryMetricJournal();
        var payload = Payload(1, 10);
        await journal.AppendAsync("k", "a", 0, payload);
        payload[0] ^= 0xFF;
        (await journal.LoadAsync("k")).Entries[0].Payload[1] ^= 0xFF;

        Assert.Equal(Payload(1, 10), (await journal.LoadAsync("k")).Entries[0].Payload);
    }
}
