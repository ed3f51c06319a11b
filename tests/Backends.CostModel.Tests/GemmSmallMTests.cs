using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>A GEMM's small-M terms (hardware.json <c>measured.k_ps.gemm</c> and <c>token_ps.gemm</c>, docs/cost-model.md, "Small-M
/// GEMMs"): its mainloop's serial walk over K, a time per reduction element added to the fixed latency, and the separate kernel
/// that quantizes its 16-bit activations for FP8/FP4 math, a time per row and K element; both fitted by tools/KernelFit
/// (GemmKFit) on AIConfigurator's Linear tables, which time the layer with its quantization.</summary>
public class GemmSmallMTests
{
    private static readonly Device B200 = Models.Catalog.Find("b200")!;
    private static readonly EfficiencyProfile Trt = EfficiencyProfile.Find("trtllm")!;

    private static CostPlan QwenPlan() =>
        CompiledDeployment.Compile(Models.Sample("qwen3-30b-a3b"), new Deployment(new ParallelLayout(1), "nvfp4"),
            GraphDsl.Passes.Core.Pipeline.Empty, new GraphDsl.Ir.Diagnostics.DiagnosticBag())!.DecodePlan;

    /// <summary>Qwen3-30B-A3B's QKV (K 2,048, N 5,120) and output (K 4,096, N 2,048) projections: their plan entries.</summary>
    private static (int Qkv, int Output) Projections(CostPlan plan)
    {
        int qkv = Array.FindIndex(plan.Entries, e => e.KernelKind == "gemm" && e.GemmK == 2048 && e.Path.Contains("self_attn"));
        int output = Array.FindIndex(plan.Entries, e => e.KernelKind == "gemm" && e.GemmK == 4096 && e.Path.Contains("self_attn"));
        Assert.True(qkv >= 0 && output >= 0, string.Join("; ", plan.Entries.Where(e => e.KernelKind == "gemm").Select(e => $"{e.Path} K {e.GemmK}")));
        return (qkv, output);
    }

    private static OpTiming[] Decode(Device d, CostPlan plan, double sequences)
    {
        var details = new OpTiming[plan.Entries.Length];
        new StepEvaluator(plan, new Cluster(d, 1, 1), Trt).Evaluate(sequences, 1, 1500, details);
        return details;
    }

    /// <summary>The evaluator adds exactly k_ps x K to a GEMM's fixed latency and token_ps x rows x K to its work, at the
    /// format whose fixed latency it takes (B200, TensorRT-LLM, NVFP4).</summary>
    [Fact]
    public void A_gemm_pays_its_serial_walk_over_k_and_the_activation_quantization()
    {
        var plan = QwenPlan();
        var (qkv, output) = Projections(plan);
        double perK = B200.KSecondsFor("gemm", MathType.Fp4)!.Value, quantize = B200.TokenSecondsFor("gemm", MathType.Fp4)!.Value;
        var none = new Dictionary<string, IReadOnlyDictionary<MathType, double>>();
        var noEngines = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>();
        var bare = B200 with { KSeconds = none, EngineKSeconds = noEngines, TokenSeconds = none, EngineTokenSeconds = noEngines };
        foreach (var sequences in new[] { 1.0, 1024 })
        {
            var with = Decode(B200, plan, sequences);
            var without = Decode(bare, plan, sequences);
            foreach (var (index, k) in new[] { (qkv, 2048.0), (output, 4096.0) })
            {
                Assert.Equal(perK * k, with[index].LaunchSeconds - without[index].LaunchSeconds, 12);
                Assert.Equal(perK * k + quantize * sequences * k, with[index].Seconds - without[index].Seconds, 12);
            }
        }
        // Other entries and 16-bit GEMMs take neither term: the BF16 logits GEMM has no quantization to pay.
        Assert.Null(B200.TokenSecondsFor("gemm", MathType.Bf16));
    }
}
