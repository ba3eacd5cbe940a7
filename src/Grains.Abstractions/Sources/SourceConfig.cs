namespace Pulso.Grains.Abstractions.Sources;

/// <summary>
/// A source's configuration. <c>Kind</c>: <c>file</c> (CSV or Arrow IPC files in the folder <c>Location</c>, each
/// taken once), <c>simulator</c> (a live stream for demos), <c>postgres</c>, <c>mysql</c> (a table or query; the
/// connection string is the <see cref="Secret"/>), <c>bigquery</c> (the REST API at <c>Location</c>, default
/// Google's; the service-account JSON key is the secret), <c>rest</c> and <c>soap</c> (endpoints under
/// <c>Location</c>; the secret is sent as the authorization header). Poll interval and page size bound the pull;
/// the settle lag keeps rows committed out of order from being skipped.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.SourceConfig")]
public sealed record SourceConfig(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? Location,
    [property: Id(2)] double PollIntervalSeconds = 10,
    [property: Id(3)] int PageSize = 50_000,
    [property: Id(4)] IReadOnlyDictionary<string, string>? Settings = null,
    [property: Id(5)] string? Secret = null,
    [property: Id(6)] SourceFeed? Gestiones = null,
    [property: Id(7)] SourceFeed? Jornadas = null,
    [property: Id(8)] double SettleLagSeconds = 0)
{
    /// <summary>What the API shows instead of a saved secret; sent back unchanged, it keeps the secret.</summary>
    public const string MaskedSecret = "********";

    /// <summary>Every kind a source may have.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["file", "simulator", "postgres", "mysql", "bigquery", "rest", "soap"];
}

/// <summary>
/// One feed of a source (gestiones, or jornadas): where its rows are (<see cref="Table"/> or a read-only
/// <see cref="Query"/> for databases; a request <see cref="Path"/> or SOAP envelope and the <see cref="RowsPath"/>
/// to the rows for web services), the <see cref="Columns"/> mapping from DESIGN 2.1/2.2 field names to the source's
/// own column names (a field not mapped keeps its own name), and the column that orders rows for the watermark.
/// </summary>
[GenerateSerializer, Immutable, Alias("pulso.SourceFeed")]
public sealed record SourceFeed(
    [property: Id(0)] string? Table = null,
    [property: Id(1)] string? Query = null,
    [property: Id(2)] IReadOnlyDictionary<string, string>? Columns = null,
    [property: Id(3)] string? WatermarkColumn = null,
    [property: Id(4)] string? Path = null,
    [property: Id(5)] string? RowsPath = null);
