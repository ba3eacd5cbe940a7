using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Pulso.RollingRestart;

/// <summary>What the run needs from its caller: built programs, servers, and where to write logs.</summary>
internal sealed record Settings(string SiloDll, string GatewayDll, string Postgres, string Redis, string WorkDir, double ProbeSeconds, double SteadySeconds, double ResponseTimeoutSeconds)
{
    public const string SigningKey = "rolling-restart-test-signing-key-0123456789";
}

/// <summary>A silo or gateway process of the run, its log file and its HTTP address.</summary>
internal sealed class Node(string name, Process process, Uri http, string log)
{
    public string Name { get; } = name;

    public Process Process { get; } = process;

    public Uri Http { get; } = http;

    public string Log { get; } = log;

    public bool Running => !Process.HasExited;
}

/// <summary>
/// Three silos on PostgreSQL membership with Redis state, and standalone gateways, as separate processes on loopback.
/// Ids of its own keep the run apart from any other cluster on the same servers.
/// </summary>
internal sealed class Cluster(Settings settings) : IAsyncDisposable
{
    private readonly string _clusterId = $"rolling-{Environment.ProcessId}-{Random.Shared.Next(100_000)}";
    private readonly List<Node> _nodes = [];
    private readonly HashSet<int> _ports = [];
    private int _silos;

    public IReadOnlyList<Node> Nodes => _nodes;

    public Node StartSilo()
    {
        var n = ++_silos;
        var http = Port();
        return Start($"silo-{n}", settings.SiloDll, http, new Dictionary<string, string>
        {
            ["Pulso__Cluster__SiloPort"] = Port().ToString(CultureInfo.InvariantCulture),
            ["Pulso__Cluster__GatewayPort"] = Port().ToString(CultureInfo.InvariantCulture),
            ["Pulso__Storage__Provider"] = "Redis",
            ["Pulso__Storage__ConnectionString"] = settings.Redis,
            ["Pulso__Demo__Enabled"] = "false",
        });
    }

    public Node StartGateway(string name) => Start(name, settings.GatewayDll, Port(), new Dictionary<string, string>
    {
        // Structured logs, the push log line included: the run checks that they name the tenant and the trace, never a token.
        ["Pulso__Telemetry__LogFormat"] = "json",
        ["Logging__LogLevel__Pulso.Gateway.Ingest"] = "Debug",
        // A tenant feed that moves to another silo is found again within one renewal (deploy/k8s sets the same).
        ["Pulso__Live__RenewMilliseconds"] = "1000",
    });

    /// <summary>Silos whose membership row says Active.</summary>
    public async Task<int> ActiveSilosAsync()
    {
        await using var connection = new NpgsqlConnection(settings.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from orleans_membership where deployment_id = @id and status = 3", connection);
        command.Parameters.AddWithValue("id", _clusterId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the silo leaves the cluster gracefully.</summary>
    public static void Terminate(Node node)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", node.Process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Where(n => n.Running))
        {
            node.Process.Kill(entireProcessTree: true);
            await node.Process.WaitForExitAsync();
        }

        foreach (var node in _nodes)
        {
            node.Process.Dispose();
        }
    }

    private Node Start(string name, string dll, int httpPort, Dictionary<string, string> environment)
    {
        var http = new Uri($"http://127.0.0.1:{httpPort}");
        var log = Path.Combine(settings.WorkDir, $"{name}.log");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", http.ToString().TrimEnd('/')])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var common = new Dictionary<string, string>
        {
            ["Pulso__Cluster__Provider"] = "AdoNet",
            ["Pulso__Cluster__ConnectionString"] = settings.Postgres,
            ["Pulso__Cluster__ClusterId"] = _clusterId,
            ["Pulso__Cluster__ServiceId"] = _clusterId,
            ["Pulso__Cluster__ProbeTimeoutSeconds"] = settings.ProbeSeconds.ToString(CultureInfo.InvariantCulture),
            ["Pulso__Cluster__NumMissedProbesLimit"] = "2",
            ["Pulso__Cluster__ShutdownTimeoutSeconds"] = "20",
            // Grain calls (silos and the gateways' Orleans clients): a lost answer costs this long, then the push is retried.
            ["Pulso__Cluster__ResponseTimeoutSeconds"] = settings.ResponseTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["Pulso__Auth__Jwt__SigningKey"] = Settings.SigningKey,
        };
        foreach (var (key, value) in common.Concat(environment))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        var writer = new StreamWriter(log) { AutoFlush = true };
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    writer.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            process.WaitForExit();
            lock (gate)
            {
                writer.Dispose();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new Node(name, process, http, log);
        _nodes.Add(node);
        return node;
    }

    /// <summary>A free loopback port, never handed out twice in a run.</summary>
    private int Port()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (_ports.Add(port))
            {
                return port;
            }
        }
    }
}
