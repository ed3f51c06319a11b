using System.IO;
using BenchmarkDotNet.Attributes;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Bench;

/// <summary>
/// The sweep's inner loop: evaluating workloads (prefill, decode step, memory plan) against a
/// deployment compiled once. One invocation evaluates a grid of 1,000 configurations (10 batches x
/// 10 contexts x 10 prompts) of DeepSeek-V3 on 8 GPUs; configurations per second = 1,000 / mean.
/// </summary>
[MemoryDiagnoser]
public class SweepBenchmarks
{
    private SweepEvaluator _evaluator = null!;
    private CompiledDeployment _compiled = null!;
    private GraphDsl.Ir.Graph.Module _module = null!;
    internal static readonly long[] Batches = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
    internal static readonly long[] Contexts = { 1024, 2048, 4096, 8192, 16384, 32768, 65536, 98304, 131072, 163840 };
    internal static readonly long[] Prompts = { 128, 256, 512, 1024, 2048, 3072, 4096, 6144, 8192, 16384 };

    /// <summary>tp8, dp8-ep8, and dp8-ep8 with the overlap pass (two-stream schedule): nanobatch or fused.</summary>
    [Params("tp8", "dp8-ep8", "dp8-ep8-nanobatch2", "dp8-ep8-fused")]
    public string Layout { get; set; } = "tp8";

    private string? Passes => Layout switch
    {
        "dp8-ep8-nanobatch2" => "overlap{nanobatches=2}",
        "dp8-ep8-fused" => "overlap{mode=fused-collective}",
        _ => null,
    };

    // Nano-batches need a batch per replica that splits evenly.
    private long BatchScale => Layout == "dp8-ep8-nanobatch2" ? 16 : 8;

    [GlobalSetup]
    public void Setup()
    {
        var module = _module = Compiler.CompileFile(Path.Combine(Paths.Samples, "deepseek-v3.moe")).Module!;
        var dep = Layout == "tp8" ? new Deployment(new ParallelLayout(8), Weights: "fp8") : new Deployment(new ParallelLayout(1, 8, 8, 1), "fp8");
        _compiled = CompiledDeployment.Compile(module, dep, Passes, new DiagnosticBag())!;
        var device = HardwareCatalog.BuiltIn().Find("h200-sxm")!;
        _evaluator = new SweepEvaluator(_compiled, new Cluster(device, 1, 8), EfficiencyProfile.Find("default")!);
    }

    [Benchmark(Description = "evaluate 1,000 configurations", OperationsPerInvoke = 1)]
    public double Evaluate1000()
    {
        double sum = 0;
        foreach (var p in Prompts)
            foreach (var c in Contexts)
                foreach (var b in Batches)
                    sum += _evaluator.Evaluate(b * BatchScale, p, c).TpotMs;
        return sum;
    }

    [Benchmark(Description = "compile the deployment (pipeline + plans)")]
    public CompiledDeployment Compile() =>
        CompiledDeployment.Compile(_module, _compiled.Deployment, Passes, new DiagnosticBag())!;
}
