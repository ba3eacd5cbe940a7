using System.Diagnostics;
using Orleans.TestingHost;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Metrics;
using Pulso.Grains.Sources;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>Source grains pulling a folder of CSV files (and the demo simulator) into a tenant's day tables.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class SourceGrainTests(GrainClusterFixture fixture)
{
    private const string SourceName = "files";
    private static readonly DateOnly[] s_days = [new(2026, 4, 6), new(2026, 4, 7), new(2026, 4, 9)];
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PolledFolderAnswersExactlyWhatTheEngineComputes()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        var data = Write(folder, tenant, seed: 51, rows: 3_000);
        folder.WriteGestiones("4-otro.csv", "otro-cliente", Gestiones.Generate(52, 40, s_days));
        var source = Source(tenant);

        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PageSize: 250)));
        var status = await PollUntilCaughtUpAsync(source);

        Assert.Equal(3_000 + data.Jornadas + 40, status.Rows);
        Assert.Equal(3_000 + data.Jornadas, status.Accepted);
        Assert.Equal(new Dictionary<string, long> { ["cliente_ajeno"] = 40 }, status.Rejected);
        Assert.Null(status.LastError);
        Assert.False(status.Running);
        await AssertFiguresAsync(tenant, data.Reference, "after polling the folder");
    }

    [Fact]
    public async Task ReplayedPageIsCountedOnce()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        var data = Write(folder, tenant, seed: 53, rows: 1_200);
        const int pageSize = 300;

        // A previous activation handed the first page to the day tables and died before saving its watermark: the
        // same batches, under the ids the grain gives them ("{source key}|{page id}"), are already applied.
        var page = await new FileSource(tenant, folder.Path).ReadAsync(null, pageSize, CancellationToken.None);
        Assert.NotNull(page);
        var batchId = $"{GrainKeys.Source(tenant, SourceName)}|{page.PageId}";
        var handedOff = page.Gestiones.Days().Select(d => page.Gestiones.ToDayBatch(batchId, DateOnly.FromDayNumber(d))).ToList();
        foreach (var batch in handedOff)
        {
            Assert.False((await Table(tenant, batch.Day).Apply(batch)).Duplicate);
        }

        var duplicatesBefore = handedOff.ToDictionary(b => b.Day, b => fixture.Journal.CountsFor(GrainKeys.Day(tenant, b.Day)).Duplicates);
        var source = Source(tenant);
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PageSize: pageSize)));
        var status = await PollUntilCaughtUpAsync(source);

        // The grain starts from no watermark, reads that page again, and the tables drop it.
        Assert.Equal(1_200 + data.Jornadas, status.Accepted);
        foreach (var batch in handedOff)
        {
            Assert.Equal(duplicatesBefore[batch.Day] + 1, fixture.Journal.CountsFor(GrainKeys.Day(tenant, batch.Day)).Duplicates);
        }

        await AssertFiguresAsync(tenant, data.Reference, "after the replayed page");

        // And handing it off once more changes nothing either.
        foreach (var batch in handedOff)
        {
            var again = await Table(tenant, batch.Day).Apply(batch);
            Assert.True(again.Duplicate);
            Assert.Equal(0, again.ChangedCells);
        }

        await AssertFiguresAsync(tenant, data.Reference, "after handing the page off again");
    }

    [Fact]
    public async Task StartedSourcePollsOnItsTimerUntilStopped()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        var data = Write(folder, tenant, seed: 55, rows: 800);
        var source = Source(tenant);
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 0.2, PageSize: 200)));

        await source.Start();
        var status = await EventuallyAsync(source.GetStatus, s => s.Accepted == 800 + data.Jornadas, "the timer reads the folder");

        Assert.True(status.Running);
        await AssertFiguresAsync(tenant, data.Reference, "read on the timer");

        await source.Stop();
        var stopped = await source.GetStatus();
        Assert.False(stopped.Running);

        // A control source on its own timer shows time passing: once it has read a file dropped at the same
        // moment and ticked for a second more, the stopped source would have seen its new file too.
        var control = await Tenants.CreateAsync(fixture.Client);
        using var controlFolder = new SourceFolder();
        var controlSource = Source(control);
        Assert.Empty(await controlSource.Configure(new SourceConfig("file", controlFolder.Path, PollIntervalSeconds: 0.2)));
        await controlSource.Start();
        try
        {
            var dropped = DateTimeOffset.UtcNow;
            folder.WriteGestiones("9-late.csv", tenant, Gestiones.Generate(56, 30, s_days));
            controlFolder.WriteGestiones("late.csv", control, Gestiones.Generate(57, 30, s_days));
            await EventuallyAsync(controlSource.GetStatus, s => s.Accepted == 30 && s.LastPollAt > dropped.AddSeconds(1), "the control source ticks on");
        }
        finally
        {
            await controlSource.Stop();
        }

        var after = await source.GetStatus();
        Assert.Equal((stopped.Rows, stopped.LastPollAt), (after.Rows, after.LastPollAt));
        await AssertFiguresAsync(tenant, data.Reference, "while stopped");

        // The file was only waiting for the source.
        Assert.Equal(stopped.Rows + 30, (await PollUntilCaughtUpAsync(source)).Rows);
    }

    [Fact]
    public async Task StatusCountsRowsAcceptedRejectsByReasonAndBatches()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        var good = Gestiones.Generate(58, 4, [s_days[0]]).Concat(Gestiones.Generate(59, 3, [s_days[1]])).ToList();
        folder.WriteGestiones("1-gestiones.csv", tenant, good,
        [
            $"100,{tenant},2026-02-30 10:00:00,D1,ej-01,NO CONTESTA,10.00,5,SMS",
            $"101,{tenant},2026-04-06 10:00:00,  ,ej-01,NO CONTESTA,10.00,5,SMS",
            $"102,{tenant},2026-04-06 10:00:00,,ej-01,NO CONTESTA,10.00,5,SMS",
            $"103,{tenant},2026-04-06 10:00:00,D1,ej-01,NO CONTESTA,1e3,5,SMS",
            $"104,{tenant},2026-04-06 10:00:00,D1,ej-01,NO CONTESTA,10.00,cinco,SMS",
            "105,otro-banco,2026-04-06 10:00:00,D1,ej-01,NO CONTESTA,10.00,5,SMS",
            "106,otro-banco,2026-04-06 10:00:00,,ej-01,NO CONTESTA,x,5,SMS",
        ]);
        folder.WriteJornadas("2-jornadas.csv", tenant, [(s_days[2], "ej-01", 750), (s_days[2], "ej-02", 800)],
        [
            $"{tenant},ej-03,2026-04-09,ocho",
            "otro-banco,ej-01,2026-04-09,8.00",
        ]);
        var source = Source(tenant);
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path)));

        var status = await source.PollNow();

        Assert.Equal(14 + 4, status.Rows);
        Assert.Equal(7 + 2, status.Accepted);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["fecha_invalida"] = 1, ["documento_vacio"] = 2, ["saldo_invalido"] = 1, ["dias_mora_invalido"] = 1,
                ["cliente_ajeno"] = 3, ["jornada_invalida"] = 1,
            },
            status.Rejected);
        Assert.Equal(2 + 1, status.Batches);
        Assert.Null(status.LastError);
        Assert.Equal(0, status.ConsecutiveFailures);
        Assert.NotNull(status.LastPollAt);
        Assert.StartsWith("done=", status.Watermark, StringComparison.Ordinal);
        Assert.Equal(2, status.Watermark!["done=".Length..].Split(',').Length);
        var totals = await Query(tenant, Queries.Of(s_days[0], s_days[^1], []));
        Assert.Equal(7, Figures.Total(totals, "total_gestiones"));

        // Nothing new: polling again reads nothing and counts nothing.
        var again = await source.PollNow();
        Assert.Equal((status.Rows, status.Accepted, status.Batches, status.Watermark), (again.Rows, again.Accepted, again.Batches, again.Watermark));
        Assert.Equal(status.Rejected, again.Rejected);
    }

    [Fact]
    public async Task MissingFolderIsReportedThenBackedOffAndRecoveredFrom()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder(create: false);
        var source = Source(tenant);
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 0.2)));

        var failed = await source.PollNow();

        Assert.Equal(1, failed.ConsecutiveFailures);
        Assert.Contains("DirectoryNotFoundException", failed.LastError, StringComparison.Ordinal);
        Assert.Contains(folder.Path, failed.LastError, StringComparison.Ordinal);
        Assert.Equal(0, failed.Rows);

        // On its timer (every 0.2 s) the source waits out its back-off (2 s after one failure) before trying again.
        await source.Start();
        try
        {
            var second = await EventuallyAsync(source.GetStatus, s => s.ConsecutiveFailures >= 2, "the source tries again after its back-off");
            Assert.Equal(2, second.ConsecutiveFailures);
            var waited = second.LastPollAt!.Value - failed.LastPollAt!.Value;
            Assert.True(waited >= TimeSpan.FromSeconds(1.9), $"tried again after {waited.TotalSeconds:0.00} s");
        }
        finally
        {
            await source.Stop();
        }

        // The folder appears; a forced poll does not wait for the back-off.
        folder.Create();
        var data = Write(folder, tenant, seed: 60, rows: 300);
        var recovered = await source.PollNow();

        Assert.Null(recovered.LastError);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Equal(300 + data.Jornadas, recovered.Accepted);
        await AssertFiguresAsync(tenant, data.Reference, "after the folder appeared");
    }

    [Fact]
    public async Task SourceSurvivesTheSiloHostingItBeingKilled()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client, Tenants.Metrics);
        using var folder = new SourceFolder();
        var data = Write(folder, tenant, seed: 61, rows: 2_000);
        var source = Source(tenant);
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PageSize: 50)));

        // A poll takes at most 20 pages: half the gestiones are in when the silo dies.
        var before = await source.PollNow();
        Assert.Equal(1_000, before.Rows);

        var victim = fixture.Cluster.SecondarySilos[0];
        try
        {
            if (!victim.SiloAddress.Equals(HostOf(source)))
            {
                await fixture.Cluster.MigrateAsync(source, victim.SiloAddress);
            }

            Assert.Equal(victim.SiloAddress, HostOf(source));
            await fixture.Cluster.KillSiloAsync(victim);

            // Reactivated on the surviving silo, the source carries on from its persisted watermark.
            var resumed = await Patience.RetryAsync(source.GetStatus, s_patience);
            Assert.Equal((before.Watermark, before.Rows, before.Accepted, before.Batches), (resumed.Watermark, resumed.Rows, resumed.Accepted, resumed.Batches));
            var status = await PollUntilCaughtUpAsync(source);

            Assert.NotEqual(victim.SiloAddress, HostOf(source));
            Assert.Equal(2_000 + data.Jornadas, status.Rows);
            Assert.Equal(2_000 + data.Jornadas, status.Accepted);
            await AssertFiguresAsync(tenant, data.Reference, "after the kill");
        }
        finally
        {
            await RestoreTwoSilosAsync(fixture.Cluster);
        }
    }

    [Fact]
    public async Task InvalidConfigurationsAreRefusedWithTheirReasons()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = Source(tenant);
        using var folder = new SourceFolder();

        Assert.Contains("kind 'ftp'", Assert.Single(await source.Configure(new SourceConfig("ftp", folder.Path))), StringComparison.Ordinal);
        Assert.Contains("location", Assert.Single(await source.Configure(new SourceConfig("file", null))), StringComparison.Ordinal);
        Assert.Contains("location", Assert.Single(await source.Configure(new SourceConfig("file", "  "))), StringComparison.Ordinal);
        Assert.Contains("pollIntervalSeconds", Assert.Single(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 0.05))), StringComparison.Ordinal);
        Assert.Contains("pollIntervalSeconds", Assert.Single(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 86_401))), StringComparison.Ordinal);
        Assert.Contains("pageSize", Assert.Single(await source.Configure(new SourceConfig("file", folder.Path, PageSize: 0))), StringComparison.Ordinal);
        Assert.Contains("pageSize", Assert.Single(await source.Configure(new SourceConfig("file", folder.Path, PageSize: 1_000_001))), StringComparison.Ordinal);
        Assert.Equal(3, (await source.Configure(new SourceConfig("FILE", null, PollIntervalSeconds: 0, PageSize: -1))).Count);

        // Nothing refused was saved: the source still has no configuration to start with.
        await Assert.ThrowsAsync<InvalidOperationException>(source.Start);
        Assert.Null((await source.GetStatus()).Watermark);

        Assert.Empty(await source.Configure(new SourceConfig("simulator", null)));
        Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 0.1, PageSize: 1)));
    }

    [Fact]
    public async Task StartedSimulatorBringsTodaysFigures()
    {
        // A zone where the local day is at least two hours old, so that the stream has minutes behind it.
        var zone = new[] { "America/Lima", "Asia/Tokyo" }.First(z =>
            TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(z)).Hour is >= 2 and < 23);
        var tenant = Tenants.NewId();
        var tenantGrain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        Assert.True(await tenantGrain.Create(TenantSettings.Default(tenant) with { TimeZone = zone }));
        Assert.Empty(await tenantGrain.SetHomologation(GestionSimulator.Homologation));
        var today = await tenantGrain.Today();
        var source = Source(tenant, "demo");
        Assert.Empty(await source.Configure(new SourceConfig("simulator", null, PollIntervalSeconds: 0.2)));

        await source.Start();
        try
        {
            var status = await EventuallyAsync(source.GetStatus, s => s.Accepted > 0, "the simulator delivers");
            Assert.Null(status.LastError);
            Assert.StartsWith(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), status.Watermark, StringComparison.Ordinal);
            var figures = await EventuallyAsync(
                () => Query(tenant, Queries.Of(today, today, [])),
                r => Figures.Total(r, "total_gestiones") > 0,
                "today's figures appear");
            Assert.True(Figures.Total(figures, "contactos") <= Figures.Total(figures, "total_gestiones"));
        }
        finally
        {
            await source.Stop();
        }
    }

    private ISourceGrain Source(string tenant, string name = SourceName) => fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name));

    private IMetricTableGrain Table(string tenant, DateOnly day) => fixture.Client.GetGrain<IMetricTableGrain>(GrainKeys.Day(tenant, day));

    private Task<QueryResultContract> Query(string tenant, MetricQueryContract query) => fixture.Client.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);

    /// <summary>Two gestiones files and a jornadas file for <paramref name="tenant"/>, and the reference fed the same.</summary>
    private static (ReferenceEngine Reference, int Jornadas) Write(SourceFolder folder, string tenant, int seed, int rows)
    {
        var gestiones = Gestiones.Generate(seed, rows, s_days);
        var jornadas = s_days.SelectMany(d => Enumerable.Range(0, 5).Select(e => (Day: d, Ejecutivo: Gestiones.Ejecutivo(e), HorasCents: 500L + (e * 37) + d.Day))).ToList();
        var reference = new ReferenceEngine();
        reference.Add(gestiones);
        jornadas.ForEach(j => reference.SetJornada(j.Day, j.Ejecutivo, j.HorasCents));
        var half = rows * 3 / 5;
        folder.WriteGestiones("1-gestiones.csv", tenant, gestiones[..half]);
        folder.WriteGestiones("2-gestiones.csv", tenant, gestiones[half..]);
        folder.WriteJornadas("3-jornadas.csv", tenant, jornadas);
        return (reference, jornadas.Count);
    }

    private async Task AssertFiguresAsync(string tenant, ReferenceEngine reference, string what)
    {
        (string What, MetricQueryContract Query)[] cases =
        [
            ("by ejecutivo and dia", Queries.Of(s_days[0], s_days[^1], ["ejecutivo", "dia"], Queries.AllMetrics)),
            ("by categoria, canal and tramo_mora", Queries.Of(s_days[0], s_days[^1], ["categoria", "canal", "tramo_mora"], Queries.AllMetrics)),
            ("by hora of one day", Queries.Of(s_days[1], s_days[1], ["hora"], Queries.AllMetrics)),
            ("no grouping", Queries.Of(s_days[0], s_days[^1], [], Queries.AllMetrics)),
        ];
        foreach (var (name, query) in cases)
        {
            Figures.Equal(reference.Evaluate(query, Tenants.Homologation, Tenants.Metrics), await Patience.RetryAsync(() => Query(tenant, query), s_patience), $"{what}, {name}");
        }
    }

    /// <summary>Polls until a poll reads nothing more, then returns the status.</summary>
    private static async Task<SourceStatus> PollUntilCaughtUpAsync(ISourceGrain source)
    {
        var status = await Patience.RetryAsync(source.PollNow, s_patience);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(status.LastError);
            var next = await Patience.RetryAsync(source.PollNow, s_patience);
            if (next.Rows == status.Rows && next.Watermark == status.Watermark)
            {
                return next;
            }

            status = next;
        }

        throw new InvalidOperationException($"the source was still reading after 100 polls: {status}");
    }

    /// <summary>Asks until the answer satisfies <paramref name="done"/>, or fails naming what was awaited.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> ask, Func<T, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await ask();
            if (done(answer))
            {
                return answer;
            }

            if (clock.Elapsed > s_patience)
            {
                Assert.Fail($"{what}: not within {s_patience.TotalSeconds} s; last answer {answer}");
            }

            await Task.Delay(50);
        }
    }

    private SiloAddress HostOf(IAddressable grain) =>
        fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.Address.SiloAddress is { } silo
            ? silo
            : throw new InvalidOperationException($"{grain.GetGrainId()} has no activation");

    private static async Task RestoreTwoSilosAsync(TestCluster cluster)
    {
        if (cluster.GetActiveSilos().Count() < 2)
        {
            await cluster.StartAdditionalSiloAsync(startAdditionalSiloOnNewPort: true);
        }
    }
}
