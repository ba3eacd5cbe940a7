using System.Security.Cryptography;
using System.Text;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Sources;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>Source secrets: sealed at rest for one source, masked in answers, kept when sent back masked, rotatable.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class SourceSecretTests(GrainClusterFixture fixture)
{
    private static readonly string s_oldKey = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private static readonly string s_newKey = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());

    [Fact]
    public void SealedSecretOpensOnlyForItsSourceAndWithAKnownKey()
    {
        var secrets = new SourceSecrets(new SourceOptions { SecretKey = s_oldKey });
        var sealedSecret = secrets.Seal("Host=db;Password=hunter2", "banco-a/crm");

        Assert.StartsWith($"pulso-secret:v1:{secrets.CurrentKeyId}:", sealedSecret, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", sealedSecret, StringComparison.Ordinal);
        Assert.Equal("Host=db;Password=hunter2", secrets.Open(sealedSecret, "banco-a/crm"));
        Assert.ThrowsAny<CryptographicException>(() => secrets.Open(sealedSecret, "banco-b/crm"));
        Assert.NotEqual(sealedSecret, secrets.Seal("Host=db;Password=hunter2", "banco-a/crm"));

        // Rotation: the new key opens nothing old until the old one is listed as previous; then old secrets are stale.
        var rotated = new SourceSecrets(new SourceOptions { SecretKey = s_newKey, PreviousSecretKeys = { s_oldKey } });
        Assert.Equal("Host=db;Password=hunter2", rotated.Open(sealedSecret, "banco-a/crm"));
        Assert.True(rotated.IsStale(sealedSecret));
        Assert.False(rotated.IsStale(rotated.Seal("x", "banco-a/crm")));
        var forgotten = new SourceSecrets(new SourceOptions { SecretKey = s_newKey });
        var e = Assert.ThrowsAny<CryptographicException>(() => forgotten.Open(sealedSecret, "banco-a/crm"));
        Assert.Contains(secrets.CurrentKeyId, e.Message, StringComparison.Ordinal);
        Assert.Contains("Pulso:Sources:SecretKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysAreCheckedAndAMissingKeyRefusesToSeal()
    {
        var problems = new SourceOptions { SecretKey = "short", PreviousSecretKeys = { s_oldKey, "%%%" } }.Problems();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Pulso:Sources:SecretKey must be 32 bytes in base64", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Pulso:Sources:PreviousSecretKeys:1 ", StringComparison.Ordinal));

        var none = new SourceSecrets(new SourceOptions());
        Assert.True(none.IsGenerated);
        Assert.Contains("Pulso:Sources:SecretKey is not configured", Assert.Throws<InvalidOperationException>(() => none.Seal("x", "a/b")).Message, StringComparison.Ordinal);
        var memory = new SourceSecrets(new SourceOptions { AllowGeneratedKey = true });
        Assert.Equal("x", memory.Open(memory.Seal("x", "a/b"), "a/b"));
    }

    [Fact]
    public void FileSourcesReadOnlyInsideTheirRootsWhenRootsAreGiven()
    {
        var root = Path.Combine(Path.GetTempPath(), "pulso-roots", "banco-a");
        var options = new SourceOptions { FileRoots = { root + Path.DirectorySeparatorChar } };

        Assert.True(options.AllowsFolder(root));
        Assert.True(options.AllowsFolder(Path.Combine(root, "entrada")));
        Assert.False(options.AllowsFolder(Path.Combine(root, "..", "banco-b")));
        Assert.False(options.AllowsFolder(root + "-otro"));
        Assert.False(options.AllowsFolder("/etc"));
        Assert.True(new SourceOptions().AllowsFolder("/etc"));
        var problem = Assert.Single(SourceKinds.Validate(new SourceConfig("file", Path.Combine(root, "..", "banco-b")), null, out _, options));
        Assert.Contains("is not inside the folders file sources may read (Pulso:Sources:FileRoots)", problem, StringComparison.Ordinal);
        Assert.Empty(SourceKinds.Validate(new SourceConfig("file", Path.Combine(root, "entrada")), null, out _, options));
    }

    [Fact]
    public void SourcesReachOnlyTheAllowedHostsWhenHostsAreGiven()
    {
        var options = new SourceOptions { AllowedHosts = { "db.banco-a.example", "*.crm.example" } };
        var feed = new SourceFeed(Table: "gestiones");

        Assert.Empty(SourceKinds.Validate(new SourceConfig("postgres", null, Secret: "Host=db.banco-a.example;Database=d", Gestiones: feed), "Host=db.banco-a.example;Database=d", out _, options));
        Assert.Empty(SourceKinds.Validate(new SourceConfig("rest", "https://api.crm.example/v1/", Gestiones: new SourceFeed(Path: "g", WatermarkColumn: "id")), null, out _, options));
        var redis = Assert.Single(SourceKinds.Validate(new SourceConfig("mysql", null, Gestiones: feed), "Server=127.0.0.1;Port=6379;Database=d", out _, options));
        Assert.Equal("host '127.0.0.1' is not one the sources may reach (Pulso:Sources:AllowedHosts)", redis);
        var both = SourceKinds.Validate(new SourceConfig("postgres", null, Gestiones: feed), "Host=db.banco-a.example,10.0.0.5:5433;Database=d", out _, options);
        Assert.Equal("host '10.0.0.5' is not one the sources may reach (Pulso:Sources:AllowedHosts)", Assert.Single(both));
        Assert.Single(SourceKinds.Validate(new SourceConfig("soap", "http://crm.example.evil/ws", Gestiones: new SourceFeed(Path: "<e/>", RowsPath: "r", WatermarkColumn: "id")), null, out _, options));
        Assert.Empty(SourceKinds.Validate(new SourceConfig("mysql", null, Gestiones: feed), "Server=127.0.0.1;Database=d", out _, new SourceOptions()));
    }

    [Fact]
    public async Task SecretIsStoredSealedAnsweredMaskedAndKeptWhenSentBackMasked()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "crm"));
        var password = $"pw-{Guid.NewGuid():N}";
        var secret = $"Host=127.0.0.1;Port=1;Username=nobody;Password={password};Database=none;Timeout=1";
        var config = new SourceConfig("postgres", null, Secret: secret, Gestiones: new SourceFeed(Table: "gestiones"));
        Assert.Empty(await source.Configure(config));

        var answered = await source.GetConfig();
        Assert.Equal(SourceConfig.MaskedSecret, answered!.Secret);
        Assert.DoesNotContain(SharedGrainStorage.StoredBytes, bytes => Encoding.UTF8.GetString(bytes).Contains(password, StringComparison.Ordinal));

        // Sent back as answered (masked), the secret saved before is kept: the source still tries to connect with it.
        Assert.Empty(await source.Configure(answered with { PageSize = 10 }));
        var status = await source.PollNow();
        Assert.Contains("NpgsqlException", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(password, status.LastError, StringComparison.Ordinal);

        // A masked secret with nothing saved is no secret at all.
        var fresh = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "otro"));
        Assert.Contains("secret (the PostgreSQL connection string) is required", Assert.Single(await fresh.Configure(answered)), StringComparison.Ordinal);
        Assert.Contains("secret is not a valid PostgreSQL connection string", Assert.Single(await fresh.Configure(config with { Secret = "Host=x;Nonsense Key=1" })), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingTheTenantPurgesItsSources()
    {
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var tenantGrain = fixture.Client.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant));
        using var folder = new SourceFolder();
        folder.WriteGestiones("1.csv", tenant, Gestiones.Generate(91, 50, SourceData.Days));
        foreach (var name in new[] { "a", "b" })
        {
            await tenantGrain.AddSource(name);
            var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name));
            Assert.Empty(await source.Configure(new SourceConfig("file", folder.Path, PollIntervalSeconds: 0.2)));
            await source.Start();
        }

        Assert.Equal(["a", "b"], await tenantGrain.ListSources());
        await tenantGrain.Delete();

        foreach (var name in new[] { "a", "b" })
        {
            var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, name));
            Assert.Null(await source.GetConfig());
            var status = await source.GetStatus();
            Assert.False(status.Running);
            Assert.False(status.Configured);
            Assert.Null(status.Watermark);
        }

        Assert.True(await tenantGrain.Create(TenantSettings.Default(tenant)));
        Assert.Empty(await tenantGrain.ListSources());
    }
}
