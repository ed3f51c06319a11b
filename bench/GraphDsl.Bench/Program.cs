using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/GraphDsl.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(GraphDsl.Bench.FrontendBenchmarks).Assembly).Run(args);
