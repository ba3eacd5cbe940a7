using System.Globalization;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Abstractions.Sources;
using Pulso.Grains.Metrics;
using Pulso.Grains.Tests.Support;

namespace Pulso.Grains.Tests.Sources;

/// <summary>Gestiones as a source's rows (text fields, an id and a watermark), the reference fed the same, and the checks.</summary>
internal static class SourceData
{
    public static readonly DateOnly[] Days = [new(2026, 5, 4), new(2026, 5, 5), new(2026, 5, 7)];

    // A dias_mora inside each tramo_mora band, by band index.
    private static readonly string[] s_diasMora = ["-3", "45", "61", "180", "200", "361"];

    /// <summary>
    /// <paramref name="count"/> rows with ids from <paramref name="firstId"/>; the watermark <c>ts</c> grows every
    /// <paramref name="tie"/> rows, so that rows share a value across page boundaries.
    /// </summary>
    public static List<SourceRow> Rows(int seed, int count, long firstId = 1, int tie = 3, long firstTs = 1_000)
    {
        var generated = Gestiones.Generate(seed, count, Days);
        return [.. generated.Select((g, i) => new SourceRow(firstId + i, firstTs + ((firstId + i) / tie), g))];
    }

    public static string Fecha(GestionRow g, long id) => $"{g.Day:yyyy-MM-dd} {g.Hora:00}:{id % 60:00}:{id * 7 % 60:00}";

    public static string Saldo(long cents) =>
        (cents < 0 ? "-" : string.Empty) + (Math.Abs(cents) / 100).ToString(CultureInfo.InvariantCulture) + "." + (Math.Abs(cents) % 100).ToString("00", CultureInfo.InvariantCulture);

    public static string DiasMora(int tramo) => s_diasMora[tramo];

    public static ReferenceEngine Reference(IEnumerable<SourceRow> rows)
    {
        var reference = new ReferenceEngine();
        reference.Add(rows.Select(r => r.Gestion));
        return reference;
    }

    /// <summary>Polls until a poll reads nothing more, failing on an error; the status then.</summary>
    public static async Task<SourceStatus> CatchUpAsync(ISourceGrain source, int maxPolls = 200)
    {
        var status = await source.PollNow();
        for (var i = 0; i < maxPolls; i++)
        {
            Assert.True(status.LastError is null, $"the source failed: {status.LastError}");
            var next = await source.PollNow();
            if (next.Rows == status.Rows && next.Watermark == status.Watermark)
            {
                Assert.True(next.LastError is null, $"the source failed: {next.LastError}");
                return next;
            }

            status = next;
        }

        throw new InvalidOperationException($"the source was still reading after {maxPolls} polls: {status}");
    }

    /// <summary>The tenant's figures by ejecutivo and dia (every built-in metric), and by categoria and hora, equal the reference's.</summary>
    public static async Task AssertFiguresAsync(IGrainFactory grains, string tenant, ReferenceEngine reference, string what)
    {
        (string Name, MetricQueryContract Query)[] cases =
        [
            ("by ejecutivo and dia", Queries.Of(Days[0], Days[^1], ["ejecutivo", "dia"], [.. MetricCatalog.BuiltinNames])),
            ("by categoria, canal, hora and tramo_mora", Queries.Of(Days[0], Days[^1], ["categoria", "canal", "hora", "tramo_mora"], [.. MetricCatalog.BuiltinNames])),
        ];
        foreach (var (name, query) in cases)
        {
            var actual = await grains.GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
            Figures.Equal(reference.Evaluate(query, Tenants.Homologation, []), actual, $"{what}, {name}");
        }
    }
}

/// <summary>One row of a test source: its id, its watermark value and the gestión it carries.</summary>
internal sealed record SourceRow(long Id, long Ts, GestionRow Gestion)
{
    /// <summary>The row as a JSON-able dictionary of the source's own column names.</summary>
    public Dictionary<string, object> Json() => new()
    {
        ["id"] = Id,
        ["ts"] = Ts,
        ["fecha_gestion"] = SourceData.Fecha(Gestion, Id),
        ["doc"] = Gestion.Documento,
        ["asesor"] = Gestion.Ejecutivo,
        ["resultado"] = Gestion.Tipificacion,
        ["saldo"] = decimal.Parse(SourceData.Saldo(Gestion.SaldoCents), CultureInfo.InvariantCulture),
        ["mora"] = int.Parse(SourceData.DiasMora(Gestion.Tramo), CultureInfo.InvariantCulture),
        ["canal"] = Gestion.Canal,
    };

    /// <summary>The mapping from DESIGN 2.1 fields to the column names of <see cref="Json"/>.</summary>
    public static Dictionary<string, string> Mapping => new()
    {
        ["gestion_id"] = "id", ["fecha"] = "fecha_gestion", ["documento"] = "doc", ["ejecutivo"] = "asesor",
        ["tipificacion"] = "resultado", ["saldo"] = "saldo", ["dias_mora"] = "mora", ["canal"] = "canal",
    };
}
