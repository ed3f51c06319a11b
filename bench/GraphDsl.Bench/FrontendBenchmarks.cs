using System.IO;
using BenchmarkDotNet.Attributes;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;

namespace GraphDsl.Bench;

/// <summary>
/// The compile path users wait for: parse + check + lower DeepSeek-V3 (the largest sample: MLA, 256
/// experts, two layer kinds), then inline and canonicalize. Sources are read once; each iteration
/// parses them again, standard library included.
/// </summary>
[MemoryDiagnoser]
public class FrontendBenchmarks
{
    private SourceText _source = null!;
    private Pipeline _pipeline = null!;
    private Module _module = null!;

    [Params("deepseek-v3", "llama-3-70b")]
    public string Sample { get; set; } = "deepseek-v3";

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(Paths.Samples, Sample + ".moe");
        _source = new SourceText(path, File.ReadAllText(path));
        _pipeline = StandardPipelines.Flatten;
        _module = Compiler.Compile(_source).Module!;
    }

    [Benchmark(Description = "parse+check+lower")]
    public Module Frontend() => Compiler.Compile(_source).Module!;

    [Benchmark(Description = "parse+check+lower+inline+canonicalize")]
    public Module FrontendAndCanonicalize() => new PassManager(_pipeline).Run(Compiler.Compile(_source).Module!).Module!;

    [Benchmark(Description = "stats (params, FLOPs, KV)")]
    public ModelStats Stats() => ModelStats.Compute(_module);
}
