using System.Text.Json.Serialization;
using Pulso.Grains.Abstractions.Sources;

namespace Pulso.Gateway.Sources;

/// <summary>
/// A source as the API reads and writes it (DESIGN 6): kind, where it is, its secret (write-only: answered as
/// <c>********</c>, and <c>********</c> sent back keeps the saved one), the gestiones feed and optionally a jornadas
/// feed, paging and cadence. <c>enabled</c> (default true) starts it on its timer; false keeps it configured but stopped.
/// </summary>
internal sealed record SourceBody(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("location")] string? Location = null,
    [property: JsonPropertyName("secret")] string? Secret = null,
    [property: JsonPropertyName("gestiones")] FeedBody? Gestiones = null,
    [property: JsonPropertyName("jornadas")] FeedBody? Jornadas = null,
    [property: JsonPropertyName("pageSize")] int? PageSize = null,
    [property: JsonPropertyName("pollIntervalSeconds")] double? PollIntervalSeconds = null,
    [property: JsonPropertyName("settleLagSeconds")] double? SettleLagSeconds = null,
    [property: JsonPropertyName("settings")] Dictionary<string, string>? Settings = null,
    [property: JsonPropertyName("enabled")] bool? Enabled = null)
{
    public SourceConfig ToConfig() => new(
        Kind ?? string.Empty, Location, PollIntervalSeconds ?? 10, PageSize ?? 50_000, Settings, Secret,
        Gestiones?.ToFeed(), Jornadas?.ToFeed(), SettleLagSeconds ?? 0);

    public static SourceBody From(SourceConfig config, bool running) => new(
        config.Kind, config.Location, config.Secret, FeedBody.From(config.Gestiones), FeedBody.From(config.Jornadas),
        config.PageSize, config.PollIntervalSeconds, config.SettleLagSeconds,
        config.Settings is null ? null : new Dictionary<string, string>(config.Settings), running);
}

/// <summary>One feed: table or query (databases), path and rowsPath (web services), column mapping, watermark column.</summary>
internal sealed record FeedBody(
    [property: JsonPropertyName("table")] string? Table = null,
    [property: JsonPropertyName("query")] string? Query = null,
    [property: JsonPropertyName("columns")] Dictionary<string, string>? Columns = null,
    [property: JsonPropertyName("watermarkColumn")] string? WatermarkColumn = null,
    [property: JsonPropertyName("path")] string? Path = null,
    [property: JsonPropertyName("rowsPath")] string? RowsPath = null)
{
    public SourceFeed ToFeed() => new(Table, Query, Columns, WatermarkColumn, Path, RowsPath);

    public static FeedBody? From(SourceFeed? feed) =>
        feed is null ? null : new(feed.Table, feed.Query, feed.Columns is null ? null : new Dictionary<string, string>(feed.Columns), feed.WatermarkColumn, feed.Path, feed.RowsPath);
}
