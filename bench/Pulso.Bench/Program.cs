using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Pulso.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Pulso.Bench.MetricTableBenchmark).Assembly).Run(args);
