namespace Pulso.Gateway.Observability;

/// <summary><c>Pulso:Telemetry</c>: traces (OpenTelemetry, off unless asked for) and the console log format.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Pulso:Telemetry";

    /// <summary>OTLP collector address (e.g. <c>http://otel-collector:4317</c>); setting it turns traces on and exports them there.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (the default, port 4317) or <c>http/protobuf</c> (port 4318).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Record traces even without an OTLP endpoint (for an exporter added in code, as the tests do).</summary>
    public bool Traces { get; set; }

    /// <summary>Share of new traces recorded, 0..1; a trace begun upstream follows its parent's decision.</summary>
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>The <c>service.name</c> of traces; default the program's (<c>Pulso.Silo</c>, <c>Pulso.Gateway</c>).</summary>
    public string? ServiceName { get; set; }

    /// <summary><c>text</c> (the default, for people) or <c>json</c> (one JSON object a line, scopes included, for collectors).</summary>
    public string LogFormat { get; set; } = "text";

    public bool TracesOn => Traces || !string.IsNullOrWhiteSpace(OtlpEndpoint);

    public bool JsonLogs => string.Equals(LogFormat, "json", StringComparison.OrdinalIgnoreCase);

    /// <summary>What keeps these settings from being used, each problem naming its key; empty when none.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!JsonLogs && !string.Equals(LogFormat, "text", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Section}:LogFormat must be text or json, not '{LogFormat}'");
        }

        if (!string.IsNullOrWhiteSpace(OtlpEndpoint) && !Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out _))
        {
            problems.Add($"{Section}:OtlpEndpoint must be an absolute URI such as http://otel-collector:4317, not '{OtlpEndpoint}'");
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            problems.Add($"{Section}:OtlpProtocol must be grpc or http/protobuf, not '{OtlpProtocol}'");
        }

        if (SampleRatio is < 0 or > 1 || double.IsNaN(SampleRatio))
        {
            problems.Add($"{Section}:SampleRatio must be between 0 and 1, not {SampleRatio}");
        }

        return problems;
    }
}
