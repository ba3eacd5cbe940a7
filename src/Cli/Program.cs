using System.CommandLine;
using Pulso.Cli.Compute;

var root = new RootCommand("pulso — the Pulso analytics engine and cluster client")
{
    ComputeCommand.Create(),
};

return root.Parse(args).Invoke();
