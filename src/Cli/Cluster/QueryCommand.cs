using System.CommandLine;
using Pulso.Grains.Abstractions.Metrics;
using Pulso.Grains.Metrics;
using Pulso.Grains.Output;

namespace Pulso.Cli.Cluster;

/// <summary>
/// <c>pulso query --tenant T --from D --to D [--group-by ...] [--metrics ...] [--filter dim:v1,v2 ...] --format csv|json</c>:
/// the REST snapshot's semantics and formats (DESIGN 5), straight from the cluster.
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant id", Required = true };
        var from = new Option<string>("--from") { Description = "First day, YYYY-MM-DD", Required = true };
        var to = new Option<string>("--to") { Description = "Last day, YYYY-MM-DD (inclusive)", Required = true };
        var groupBy = new Option<string>("--group-by") { Description = "Comma list of dimensions: dia, hora, ejecutivo, canal, tipificacion, categoria, tramo_mora", DefaultValueFactory = _ => string.Empty };
        var metrics = new Option<string>("--metrics") { Description = "Comma list of metrics (default: every built-in)", DefaultValueFactory = _ => string.Empty };
        var filter = new Option<string[]>("--filter") { Description = "dimension:value1,value2 (values as CSV fields); repeatable", AllowMultipleArgumentsPerToken = false };
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var command = new Command("query", "Query a tenant's metrics from the cluster") { tenant, from, to, groupBy, metrics, filter, format };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(tenant)!, parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(groupBy)!, parse.GetValue(metrics)!,
            parse.GetValue(filter) ?? [], parse.GetValue(format)!, Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(string tenant, string from, string to, string groupBy, string metrics, string[] filters, string format, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        try
        {
            var query = new MetricQueryContract(Date("--from", from), Date("--to", to), Split(groupBy), Split(metrics), Filters(filters));
            using var host = await ClusterConnection.ConnectAsync(ClusterConnection.Configuration(), ct);
            var result = await host.Client().GetGrain<IMetricQueryGrain>(0).Query(tenant, query);
            await using var output = Console.OpenStandardOutput();
            if (format == "json")
            {
                await JsonResultWriter.WriteAsync(output, tenant, query.From, query.To, result.Version, result.ToResult(), ct);
                await output.WriteAsync("\n"u8.ToArray(), ct);
            }
            else
            {
                CsvResultWriter.Write(result.ToResult(), output);
            }

            return 0;
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or OrleansException or InvalidOperationException)
        {
            stderr.WriteLine($"pulso query: {e.Message}");
            return 1;
        }
    }

    private static DateOnly Date(string option, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d
            : throw new ArgumentException($"{option} '{text}' is not a date YYYY-MM-DD");

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string[]> Filters(string[] filters) =>
        FilterText.TryParse(filters, out var result, out var error) ? result : throw new ArgumentException($"--{error}");
}
