using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/GraphDsl.Bench -- --filter '*'   (BenchmarkDotNet suites)
// dotnet run -c Release --project bench/GraphDsl.Bench -- ilgpu [cpu|cuda] (timed ILGPU kernels and tokens/s)
// dotnet run -c Release --project bench/GraphDsl.Bench -- sweep-min [rounds] (fastest round of the sweep grid)
// dotnet run -c Release --project bench/GraphDsl.Bench -- serve [requests] [rounds] (10^6 simulated requests, and the step evaluator's rate)
if (args.Length > 0 && args[0] == "ilgpu") return GraphDsl.Bench.IlgpuBench.Run(args);
if (args.Length > 0 && args[0] == "sweep-min") return GraphDsl.Bench.SweepMinBench.Run(args);
if (args.Length > 0 && args[0] == "serve") return GraphDsl.Bench.ServeBench.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(GraphDsl.Bench.FrontendBenchmarks).Assembly).Run(args);
return 0;
