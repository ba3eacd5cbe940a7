using System.CommandLine;
using Pulso.Cli.Cluster;
using Pulso.Cli.Compute;

var root = new RootCommand("pulso — the Pulso analytics engine and cluster client")
{
    ComputeCommand.Create(),
    ImportCommand.Create(),
    QueryCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
