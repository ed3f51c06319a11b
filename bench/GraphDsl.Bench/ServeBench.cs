using System;
using System.Diagnostics;
using System.IO;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Bench;

/// <summary>
/// <c>serve [requests] [rounds]</c>: the serving simulator's speed (issue 17: 10^6 requests of a 70B dense model on TP8
/// under continuous batching in at most 10 s on one core). Llama 3 70B, FP8 weights, TP8 on 8 H100s, default profile;
/// Poisson arrivals at 10 requests/s, prompts uniform in 256-2048 tokens, outputs uniform in 64-512, seed 1; continuous
/// batching with its defaults. Beside it, from the same process: the step evaluator's rate (decode steps priced per
/// second at the batches and contexts the run visits), the peer the simulator's cost per step is made of. Each figure is
/// the fastest of <c>rounds</c> (default 3) after a warm-up of 10^4 requests; pin it to one core (<c>taskset -c 1</c>).
/// </summary>
internal static class ServeBench
{
    public static int Run(string[] args)
    {
        long requests = args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var module = Compiler.CompileFile(Path.Combine(Paths.Samples, "llama-3-70b.moe")).Module!;
        var compiled = CompiledDeployment.Compile(module, new Deployment(new ParallelLayout(8), Weights: "fp8"), (string?)null, new DiagnosticBag())!;
        var cluster = new Cluster(HardwareCatalog.BuiltIn().Find("h100-sxm")!, 1, 8);
        var eff = EfficiencyProfile.Find("default")!;
        var predictor = new Predictor(compiled, cluster, eff);
        var diagnostics = new DiagnosticBag();
        var workload = WorkloadSpec.Parse("poisson:rate=10,prompt=uniform:256-2048,output=uniform:64-512", diagnostics)!;
        var scheduler = SchedulerSpec.Parse("continuous", diagnostics)!;
        var simulation = ServingSimulation.Prepare(predictor, cluster, eff, scheduler, workload.Prompt.Mean + workload.Output.Mean,
            ServingSimulation.LongestRequest(workload), out var reason) ?? throw new InvalidOperationException(reason);

        simulation.Run(new SyntheticSource(workload, 10_000, 1), null);
        double best = double.MaxValue;
        ServingRun? run = null;
        for (int round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            run = simulation.Run(new SyntheticSource(workload, requests, 1), null);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        var m = run!.Report;
        Console.WriteLine($"serve: {requests:N0} requests, {m.Steps:N0} engine steps, {m.OutputTokens:N0} output tokens in {best:F2} s " +
            $"({requests / best:N0} requests/s, {m.Steps / best:N0} steps/s); simulated {m.DurationSeconds:F0} s, mean batch {m.MeanBatch:F1}, " +
            $"TTFT p99 {m.TtftMs.P99:F0} ms, TPOT p99 {m.TpotMs.P99:F1} ms; peak managed memory {GC.GetTotalMemory(false) / 1e6:F0} MB now, " +
            $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB peak working set");

        // The step evaluator alone: one decode step per call, batches 1-256 and contexts 1k-3k as the run visits.
        const int calls = 1_000_000;
        double evalBest = double.MaxValue, checksum = 0;
        for (int round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) checksum += simulation.Pricer.DecodeSeconds(1 + (i & 255), (1 + (i & 255)) * (1024.0 + (i & 2047)));
            evalBest = Math.Min(evalBest, watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"step evaluator: {calls / evalBest:N0} decode steps priced per second (checksum {checksum:G4}); " +
            $"the simulation ran {m.Steps / best:N0} engine steps per second, {m.Steps / best / (calls / evalBest):P0} of that rate");
        return 0;
    }
}
