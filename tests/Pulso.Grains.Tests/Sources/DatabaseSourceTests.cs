using System.Data.Common;
using System.Globalization;
using MySqlConnector;
using Npgsql;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Abstractions.Tenancy;
using Pulso.Grains.Sources;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>
/// PostgreSQL and MariaDB sources against the servers scripts/services.sh starts: typed columns with the tenant's own
/// names, a timestamp watermark shared by many rows across page boundaries, a row committed out of order within the
/// settle lag, and names that try to inject SQL.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class DatabaseSourceTests(GrainClusterFixture fixture)
{
    public static TheoryData<string> Kinds => ["postgres", "mysql"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RowsSharingATimestampAcrossPagesAreTakenOnce(string kind)
    {
        await using var db = await TestDatabase.CreateAsync(kind);
        var table = db.Table("gestiones_ts");
        await db.ExecuteAsync($"CREATE TABLE {table} (id_gestion BIGINT PRIMARY KEY, registrado TIMESTAMP NOT NULL, fec_gestion TIMESTAMP NULL, "
            + $"nro_doc VARCHAR(40), asesor VARCHAR(40), resultado VARCHAR(80), saldo_capital DECIMAL(14,2), atraso INT, canal VARCHAR(20))");
        var rows = SourceData.Rows(seed: 81, count: 300, tie: 13);
        await db.InsertAsync(table, rows);
        var tenant = await Tenants.CreateAsync(fixture.Client);
        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "crm"));
        var mapping = new Dictionary<string, string>
        {
            ["gestion_id"] = "id_gestion", ["fecha"] = "fec_gestion", ["documento"] = "nro_doc", ["ejecutivo"] = "asesor",
            ["tipificacion"] = "resultado", ["saldo"] = "saldo_capital", ["dias_mora"] = "atraso",
        };
        Assert.Empty(await source.Configure(new SourceConfig(kind, null, PageSize: 10, Secret: db.ConnectionString,
            Gestiones: new SourceFeed(Table: db.QualifiedName("gestiones_ts"), Columns: mapping, WatermarkColumn: "registrado"))));

        var status = await SourceData.CatchUpAsync(source);

        Assert.Equal(300, status.Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows), $"{kind}, pages of 10 through ties of 13");

        // More rows with the very timestamp the watermark stopped at, and later ones.
        var later = SourceData.Rows(seed: 82, count: 20, firstId: 301, tie: 13, firstTs: rows[^1].Ts - (301 / 13));
        Assert.Equal(rows[^1].Ts, later[0].Ts);
        await db.InsertAsync(table, later);
        Assert.Equal(320, (await SourceData.CatchUpAsync(source)).Accepted);
        await SourceData.AssertFiguresAsync(fixture.Client, tenant, SourceData.Reference(rows.Concat(later)), $"{kind}, rows at the watermark's own timestamp");
    }

    [Fact]
    public async Task RowCommittedOutOfOrderWithinTheSettleLagIsNotSkipped()
    {
        await using var db = await TestDatabase.CreateAsync("postgres");
        var table = db.Table("gestiones_seq");
        await db.ExecuteAsync($"CREATE TABLE {table} (id bigserial PRIMARY KEY, fecha text, documento text, ejecutivo text, tipificacion text, saldo text, dias_mora text, canal text)");
        var settled = await NewSourceAsync(db, settleLag: 3);
        var eager = await NewSourceAsync(db, settleLag: 0);
        await db.ExecuteAsync($"INSERT INTO {table} (fecha, documento, ejecutivo, tipificacion, saldo, dias_mora, canal) VALUES ('2026-05-04 10:00:00', 'D1', 'ej-01', 'NO CONTESTA', '1.00', '3', 'SMS')");
        Assert.Equal(1, (await SourceData.CatchUpAsync(eager.Source)).Accepted);

        // A slow transaction takes id 2 and commits after another one took id 3 and committed.
        await using var slow = new NpgsqlConnection(db.ConnectionString);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand($"INSERT INTO {table} (fecha, documento, ejecutivo, tipificacion, saldo, dias_mora, canal) VALUES ('2026-05-04 11:00:00', 'D2', 'ej-02', 'PROMESA DE PAGO', '2.00', '40', 'LLAMADA')", slow, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await db.ExecuteAsync($"INSERT INTO {table} (fecha, documento, ejecutivo, tipificacion, saldo, dias_mora, canal) VALUES ('2026-05-04 12:00:00', 'D3', 'ej-03', 'NO CONTESTA', '3.00', '70', 'SMS')");
        Assert.Equal(2, (await SourceData.CatchUpAsync(eager.Source)).Accepted);
        var beforeCommit = await SourceData.CatchUpAsync(settled.Source);
        await transaction.CommitAsync();

        // Without a settle lag, id 3 moved the watermark past id 2 for good; with one, id 2 is read.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        SourceStatus status;
        while ((status = await SourceData.CatchUpAsync(settled.Source)).Accepted < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(beforeCommit.Accepted < 3, "the settle lag held back the rows after the gap");
        Assert.Equal(3, status.Accepted);
        Assert.Equal(2, (await SourceData.CatchUpAsync(eager.Source)).Accepted);
        var totals = await fixture.Client.GetGrain<Pulso.Grains.Abstractions.Metrics.IMetricQueryGrain>(0)
            .Query(settled.Tenant, Queries.Of(SourceData.Days[0], SourceData.Days[0], [], ["total_gestiones", "compromisos"]));
        Assert.Equal(3, Figures.Total(totals, "total_gestiones"));
        Assert.Equal(1, Figures.Total(totals, "compromisos"));

        async Task<(string Tenant, ISourceGrain Source)> NewSourceAsync(TestDatabase database, double settleLag)
        {
            var tenant = await Tenants.CreateAsync(fixture.Client);
            var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(tenant, "crm"));
            Assert.Empty(await source.Configure(new SourceConfig("postgres", null, Secret: database.ConnectionString, SettleLagSeconds: settleLag,
                Gestiones: new SourceFeed(Table: database.QualifiedName("gestiones_seq"), Columns: new Dictionary<string, string> { ["gestion_id"] = "id" }))));
            return (tenant, source);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task InjectionInTableColumnAndWatermarkNamesIsRefusedNamingTheField(string kind)
    {
        await using var db = await TestDatabase.CreateAsync(kind);
        var table = db.Table("victima");
        await db.ExecuteAsync($"CREATE TABLE {table} (id BIGINT PRIMARY KEY)");
        var source = fixture.Client.GetGrain<ISourceGrain>(GrainKeys.Source(await Tenants.CreateAsync(fixture.Client), "crm"));
        var q = kind == "postgres" ? "\"" : "`";

        var problems = await source.Configure(new SourceConfig(kind, null, Secret: db.ConnectionString,
            Gestiones: new SourceFeed(
                Table: $"victima; DROP TABLE victima",
                Columns: new Dictionary<string, string> { ["fecha"] = $"fecha{q} FROM victima; DROP TABLE victima; --", ["saldo"] = "saldo)", ["importe"] = "x" },
                WatermarkColumn: "id OR 1=1"),
            Jornadas: new SourceFeed(Table: "asistencia", Columns: new Dictionary<string, string> { ["ejecutivo"] = "a b" }, WatermarkColumn: "id")));

        Assert.Contains(problems, p => p.StartsWith("gestiones.table: 'victima; DROP TABLE victima' is not a valid table name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gestiones.columns.fecha: ", StringComparison.Ordinal) && p.Contains("is not a valid column name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gestiones.columns.saldo: 'saldo)'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gestiones.columns: 'importe' is not a field of gestiones", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gestiones.watermarkColumn: 'id OR 1=1'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("jornadas.columns.ejecutivo: 'a b'", StringComparison.Ordinal));
        Assert.Null(await source.GetConfig());
        Assert.Contains(await source.Configure(new SourceConfig(kind, null, Secret: db.ConnectionString,
            Gestiones: new SourceFeed(Table: "victima", Query: "SELECT 1; DROP TABLE victima"))), p => p.StartsWith("gestiones.query must be one SELECT", StringComparison.Ordinal));

        // Nothing refused reached the database: the table is still there, and a valid configuration reads it.
        Assert.Equal(0, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Empty(await source.Configure(new SourceConfig(kind, null, Secret: db.ConnectionString,
            Gestiones: new SourceFeed(Table: db.QualifiedName("victima"), Columns: new Dictionary<string, string> { ["gestion_id"] = "id", ["fecha"] = "id", ["documento"] = "id", ["ejecutivo"] = "id", ["tipificacion"] = "id", ["saldo"] = "id", ["dias_mora"] = "id", ["canal"] = "id" }))));
        var status = await source.PollNow();
        Assert.Null(status.LastError);
        Assert.Equal(0, status.Rows);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PageInFlightIsReplayedOverTheSameSpanWhateverThePageSizeIsNow(string kind)
    {
        await using var db = await TestDatabase.CreateAsync(kind);
        var table = db.Table("gestiones_replay");
        await db.ExecuteAsync($"CREATE TABLE {table} (id_gestion BIGINT PRIMARY KEY, registrado TIMESTAMP NOT NULL, fec_gestion TIMESTAMP NULL, "
            + $"nro_doc VARCHAR(40), asesor VARCHAR(40), resultado VARCHAR(80), saldo_capital DECIMAL(14,2), atraso INT, canal VARCHAR(20))");
        await db.InsertAsync(table, SourceData.Rows(seed: 83, count: 40, tie: 4));
        var mapping = new Dictionary<string, string>
        {
            ["gestion_id"] = "id_gestion", ["fecha"] = "fec_gestion", ["documento"] = "nro_doc", ["ejecutivo"] = "asesor",
            ["tipificacion"] = "resultado", ["saldo"] = "saldo_capital", ["dias_mora"] = "atraso",
        };
        var config = new SourceConfig(kind, null, Secret: db.ConnectionString, Gestiones: new SourceFeed(Table: db.QualifiedName("gestiones_replay"), Columns: mapping, WatermarkColumn: "registrado"));
        var context = new SourceContext("replay-t", "crm", TimeZoneInfo.Utc, TimeProvider.System, new HttpClient());
        var first = SourceKinds.Create(config, db.ConnectionString, context);
        var page = await first.ReadAsync(null, 10, CancellationToken.None);
        var second = await first.ReadAsync(page!.NextWatermark, 10, CancellationToken.None);
        await ((IAsyncDisposable)first).DisposeAsync();

        // A fresh adapter (a reactivated grain) replays the page in flight with another page size in force.
        var again = SourceKinds.Create(config, db.ConnectionString, context);
        var replayed = await again.ReplayAsync(null, (int)page.Rows, page.NextWatermark, CancellationToken.None);
        var smaller = await again.ReadAsync(null, 7, CancellationToken.None);
        await ((IAsyncDisposable)again).DisposeAsync();

        Assert.Equal((page.PageId, page.NextWatermark, page.Rows, page.Gestiones.Count), (replayed!.PageId, replayed.NextWatermark, replayed.Rows, replayed.Gestiones.Count));
        Assert.Equal(page.Gestiones.Documento.Select(d => page.Gestiones.Documentos[d]), replayed.Gestiones.Documento.Select(d => replayed.Gestiones.Documentos[d]));
        Assert.NotEqual(page.PageId, smaller!.PageId);
        Assert.NotEqual(page.PageId, second!.PageId);
        Assert.True(second.More);
    }

    /// <summary>A schema (PostgreSQL) or a table prefix (MariaDB) of its own, dropped on dispose.</summary>
    private sealed class TestDatabase : IAsyncDisposable
    {
        private readonly string _kind;
        private readonly string _prefix;

        private TestDatabase(string kind, string connectionString, string prefix)
        {
            _kind = kind;
            ConnectionString = connectionString;
            _prefix = prefix;
        }

        public string ConnectionString { get; }

        public static async Task<TestDatabase> CreateAsync(string kind)
        {
            var variable = kind == "postgres" ? "PULSO_TEST_POSTGRES" : "PULSO_TEST_MYSQL";
            var connection = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"{variable} is not set: run scripts/services.sh start, then source .scratch/services.env (scripts/test.sh does both)");
            var prefix = $"t{Guid.NewGuid():N}"[..13];
            var db = new TestDatabase(kind, connection, prefix);
            if (kind == "postgres")
            {
                await db.ExecuteAsync($"CREATE SCHEMA {prefix}");
            }

            return db;
        }

        /// <summary>The table's name as the source is configured with it (validated, unquoted).</summary>
        public string QualifiedName(string table) => _kind == "postgres" ? $"{_prefix}.{table}" : $"{_prefix}_{table}";

        /// <summary>The table's name in this test's own SQL.</summary>
        public string Table(string table) => QualifiedName(table);

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = Open();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }

        public async Task<long> ScalarAsync(string sql)
        {
            await using var connection = Open();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        /// <summary>Inserts rows into a table laid out as in <see cref="RowsSharingATimestampAcrossPagesAreTakenOnce"/>.</summary>
        public async Task InsertAsync(string table, IEnumerable<SourceRow> rows)
        {
            await using var connection = Open();
            await connection.OpenAsync();
            foreach (var chunk in rows.Chunk(100))
            {
                await using var command = connection.CreateCommand();
                var values = new List<string>();
                var n = 0;
                foreach (var r in chunk)
                {
                    var names = new List<string>();
                    object[] cells =
                    [
                        r.Id, new DateTime(2026, 1, 1).AddSeconds(r.Ts), DateTime.ParseExact(SourceData.Fecha(r.Gestion, r.Id), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        r.Gestion.Documento, r.Gestion.Ejecutivo, r.Gestion.Tipificacion, decimal.Parse(SourceData.Saldo(r.Gestion.SaldoCents), CultureInfo.InvariantCulture),
                        int.Parse(SourceData.DiasMora(r.Gestion.Tramo), CultureInfo.InvariantCulture), r.Gestion.Canal,
                    ];
                    foreach (var cell in cells)
                    {
                        var p = command.CreateParameter();
                        p.ParameterName = $"p{n++}";
                        p.Value = cell;
                        command.Parameters.Add(p);
                        names.Add("@" + p.ParameterName);
                    }

                    values.Add($"({string.Join(", ", names)})");
                }

                command.CommandText = $"INSERT INTO {table} VALUES {string.Join(", ", values)}";
                await command.ExecuteNonQueryAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_kind == "postgres")
            {
                await ExecuteAsync($"DROP SCHEMA {_prefix} CASCADE");
                return;
            }

            await using var connection = Open();
            await connection.OpenAsync();
            await using var list = connection.CreateCommand();
            list.CommandText = $"SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE '{_prefix}%'";
            var tables = new List<string>();
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var t in tables)
            {
                await ExecuteAsync($"DROP TABLE `{t}`");
            }
        }

        private DbConnection Open() => _kind == "postgres" ? new NpgsqlConnection(ConnectionString) : new MySqlConnection(ConnectionString);
    }
}
