using System;
using System.Diagnostics;
using System.IO;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Bench;

/// <summary>
/// <c>sweep-min</c>: the grid of <see cref="SweepBenchmarks"/> (1,000 workloads per round), timed as the fastest of
/// many rounds. On a VM shared with other builds the minimum is steadier than BenchmarkDotNet's mean of a short job;
/// pin it to one core (<c>taskset -c 1</c>) and run two builds one after the other, alternating, to compare them.
/// Adds gpt-oss-120b, whose sliding-window attention brings the window atoms into the plan.
/// </summary>
internal static class SweepMinBench
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300;
        var cases = new (string Sample, Deployment Deployment, string Passes, long BatchScale)[]
        {
            ("deepseek-v3", new Deployment(new ParallelLayout(8), Weights: "fp8"), "", 8),
            ("deepseek-v3", new Deployment(new ParallelLayout(1, 8, 8, 1), "fp8"), "", 8),
            ("deepseek-v3", new Deployment(new ParallelLayout(1, 8, 8, 1), "fp8"), "overlap{nanobatches=2}", 16),
            ("gpt-oss-120b", new Deployment(new ParallelLayout(8), Weights: "fp8"), "", 8),
        };
        foreach (var (sample, dep, passes, scale) in cases)
        {
            var module = Compiler.CompileFile(Path.Combine(Paths.Samples, sample + ".moe")).Module!;
            var compiled = CompiledDeployment.Compile(module, dep, passes, new DiagnosticBag())!;
            var evaluator = new SweepEvaluator(compiled, new Cluster(HardwareCatalog.BuiltIn().Find("h200-sxm")!, 1, 8), EfficiencyProfile.Find("default")!);
            double best = double.MaxValue, sum = 0;
            for (int round = 0; round < rounds; round++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var p in SweepBenchmarks.Prompts)
                    foreach (var c in SweepBenchmarks.Contexts)
                        foreach (var b in SweepBenchmarks.Batches)
                            sum += evaluator.Evaluate(b * scale, p, c).TpotMs;
                best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"{sample} {dep} {passes}: {best:F3} ms per 1,000 configurations ({1000 / best * 1000:F0} / s; checksum {sum:G4})");
        }
        return 0;
    }
}
