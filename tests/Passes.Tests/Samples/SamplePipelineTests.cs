using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;
using static GraphDsl.Tests.Shared.SampleModules;

namespace GraphDsl.Passes.Tests.Samples;

/// <summary>
/// Every sample through the deployment passes (fusion and fp8 weights/KV, the verifier after each pass). One census
/// of what the passes made of each sample (kernels by kind, the ops left unfused, weight and KV formats) is
/// snapshot-tested for all of them, and the full IR only for the two samples that exercise every rule, so a change
/// to one fusion rule rewrites three snapshots, not seventeen. The rules themselves are pinned by the minimal
/// Cases/fuse_rule_*.gir and Cases/quantize_*.gir inputs with their CHECK lines.
/// </summary>
public class SamplePipelineTests
{
    private const string FuseAndQuantize = "inline,canonicalize,fuse,quantize{weights=fp8,kv=fp8}";

    private static IEnumerable<string> SampleNames => Repo.RealModels.Concat(Repo.MeasurementModels).Concat(Repo.TinyModels).Concat(Repo.HybridModels);

    public static TheoryData<string> AllSamples()
    {
        var d = new TheoryData<string>();
        foreach (var s in SampleNames) d.Add(s);
        return d;
    }

    public static TheoryData<string> FullSnapshotSamples() => new() { "deepseek-v3", "tiny-moe" };


    [Fact]
    public void Census_after_fuse_and_quantize()
    {
        var text = new StringBuilder($"// {FuseAndQuantize}\n");
        foreach (var sample in SampleNames.OrderBy(s => s, StringComparer.Ordinal))
            text.Append(Census(sample, Run(Compile(sample), FuseAndQuantize)));
        Snapshot.Verify(text.ToString());
    }

    [Theory]
    [MemberData(nameof(FullSnapshotSamples))]
    public void After_fuse_and_quantize(string sample) =>
        Snapshot.Verify(IrPrinter.Print(Run(Compile(sample), FuseAndQuantize)), sample);

    /// <summary>quantize sees through fused kernels (their region arguments take the weights' new types), so
    /// the order of the two passes does not matter.</summary>
    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Quantize_before_or_after_fuse_gives_the_same_ir(string sample) =>
        Assert.Equal(IrPrinter.Print(Run(Compile(sample), "inline,canonicalize,quantize{weights=int4,kv=fp8},fuse")),
            IrPrinter.Print(Run(Compile(sample), "inline,canonicalize,fuse,quantize{weights=int4,kv=fp8}")));

    /// <summary>The ops of the module as written (a repeat's body once), counted by what they became: fused kernels by
    /// kind, ops outside any kernel by name, weights by format, KV caches by storage format.</summary>
    private static string Census(string sample, Module m)
    {
        var kernels = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var unfused = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var weights = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var kv = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Count(SortedDictionary<string, int> d, string key) => d[key] = d.GetValueOrDefault(key) + 1;
        void Visit(Region region, bool insideKernel)
        {
            foreach (var op in region.Ops)
            {
                bool kernel = op.Def.Name == "fused.kernel";
                if (kernel) Count(kernels, op.Attributes.GetString("kind") ?? "?");
                else if (op.Def.Name == "core.weight") Count(weights, op.Result.Type.DType.Name);
                else if (op.Def.Name == "kv.cache") Count(kv, GraphDsl.Ir.Ops.AttentionOps.StorageType(op).Name);
                else if (!insideKernel && op.Def.Dialect is "nn" or "moe") Count(unfused, op.Def.Name);
                foreach (var r in op.Regions) Visit(r, insideKernel || kernel);
            }
        }
        Visit(m.Body, false);
        static string List(SortedDictionary<string, int> d) => d.Count == 0 ? "-" : string.Join(", ", d.Select(p => $"{p.Key} {p.Value}"));
        return $"{sample}\n  kernels: {List(kernels)}\n  unfused: {List(unfused)}\n  weights: {List(weights)}\n  kv:      {List(kv)}\n";
    }
}
