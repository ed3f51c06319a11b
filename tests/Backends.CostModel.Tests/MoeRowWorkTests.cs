using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The fused MoE's measured per-row work (hardware.json <c>measured.row_ps.moe</c>, docs/cost-model.md): b x
/// token-expert pairs x hidden, fitted by tools/KernelFit on AIConfigurator's kernel tables.</summary>
public class MoeRowWorkTests
{
    private static readonly Device B200 = Models.Catalog.Find("b200")!;

    /// <summary>Rows of AIConfigurator's B200 TensorRT-LLM 1.3.0rc20 CUTLASS fused-MoE table (nvfp4, balanced routing;
    /// systems/data/b200_sxm/moe/trtllm/1.3.0rc20/moe_perf.parquet at commit 095f58a5): tokens, hidden, inter / moe_tp,
    /// top-k, experts, ep, measured microseconds. Qwen3-30B-A3B's shape on one GPU at 1,024 and 8,192 tokens, and
    /// DeepSeek-V3's over 8 expert-parallel GPUs at 1,024, where the per-row passes are a large share of the layer.</summary>
    private static readonly (double Tokens, double Hidden, double Inter, double TopK, double Experts, double Ep, double Us)[] Rows =
    {
        (1024, 2048, 768, 8, 128, 1, 222.3),
        (8192, 2048, 768, 8, 128, 1, 1008.6),
        (1024, 7168, 2048, 8, 256, 8, 289.1),
    };

    /// <summary>The law KernelFit fits (and the evaluator applies), from the device's constants alone.</summary>
    private static double Law(Device d, (double Tokens, double Hidden, double Inter, double TopK, double Experts, double Ep, double Us) r, bool rowTerm)
    {
        double pairs = r.Tokens * r.TopK / r.Ep;
        double touched = r.Experts / r.Ep * (1 - Math.Pow(1 - r.TopK / r.Experts, r.Tokens));
        double bytes = touched * 3 * r.Hidden * r.Inter * (0.5 + 1.0 / 16) + r.Tokens * 4 * r.Hidden + pairs * 2 * (2 * r.Hidden + 3 * r.Inter);
        double rate = d.Peak(MathType.Fp4)!.Value * d.GemmFractionFor(MathType.Fp4)!.Value * EfficiencyProfile.Find("trtllm")!.EtaGroupedGemm;
        double law = d.FixedLatencyFor("moe", MathType.Fp4)!.Value + bytes / (d.HbmBytesPerSecond * d.HbmFraction) + pairs * 6 * r.Hidden * r.Inter / rate;
        return law + (rowTerm ? d.RowSecondsFor("moe", MathType.Fp4)!.Value * pairs * r.Hidden : 0);
    }

    [Fact]
    public void The_derived_row_term_reproduces_kernel_table_rows_within_25_percent_where_the_law_alone_is_far_too_fast()
    {
        Assert.Equal(3.53e-12, B200.RowSecondsFor("moe", MathType.Fp4)!.Value, 15);
        foreach (var r in Rows)
        {
            double with = Law(B200, r, rowTerm: true) / (r.Us * 1e-6), without = Law(B200, r, rowTerm: false) / (r.Us * 1e-6);
            Assert.True(Math.Abs(Math.Log(with)) < Math.Log(1.25), $"{r}: predicted / measured {with:F2} with the row term");
            Assert.True(without < 0.75 && with > without, $"{r}: predicted / measured {without:F2} without it");
        }
    }

    [Fact]
    public void The_term_is_absent_where_nothing_was_measured_and_under_an_engine_whose_fit_was_dropped()
    {
        // The A100 tables have no balanced MoE rows; AMD's and the L40S have no fused-MoE table at all.
        foreach (var id in new[] { "a100-sxm-80gb", "mi300x", "l40s" })
            Assert.Null(Models.Catalog.Find(id)!.RowSecondsFor("moe", MathType.Bf16));
        var h100 = Models.Catalog.Find("h100-sxm")!;
        Assert.Equal(0.70e-12, h100.RowSecondsFor("moe", MathType.Bf16)!.Value, 15);          // TensorRT-LLM's
        Assert.Equal(14.13e-12, h100.RowSecondsFor("moe", MathType.Bf16, "sglang")!.Value, 15); // SGLang's Triton kernel
        // vLLM's own BF16 fit was dropped: its fixed latency is its own, so TensorRT-LLM's row term does not stand in.
        Assert.NotNull(h100.FixedLatencyFor("moe", MathType.Bf16, "vllm"));
        Assert.Null(h100.RowSecondsFor("moe", MathType.Bf16, "vllm"));
        // No MoE entry on an A100 takes a row term, so its layer time is the law's alone.
        var plan = QwenPlan();
        var moe = plan.Entries.First(e => e.IsMoe && e.IsKernel);
        Assert.Null(StepEvaluator.MeasuredRowSeconds(Models.Catalog.Find("a100-sxm-80gb")!, moe, dequantized: true, "trtllm"));
        Assert.Equal(2048, moe.RowWidth);
    }

    private static GraphDsl.Backends.CostModel.Plan.CostPlan QwenPlan() =>
        CompiledDeployment.Compile(Models.Sample("qwen3-30b-a3b"), new Deployment(new ParallelLayout(1), "nvfp4"),
            GraphDsl.Passes.Core.Pipeline.Empty, new GraphDsl.Ir.Diagnostics.DiagnosticBag())!.DecodePlan;

    /// <summary>Qwen3-30B-A3B's MoE layer on one B200 in NVFP4 at 1,024 tokens (a decode step of 1,024 sequences): the
    /// evaluator adds exactly b x pairs x hidden = 3.53 ps x 8,192 x 2,048 = 59.2 us to each layer, and the layer lands
    /// within 20% of the kernel table's 222.3 us for that shape (the law alone gave 61%).</summary>
    [Fact]
    public void A_whole_moe_layer_on_a_known_case_pays_the_measured_row_work()
    {
        var plan = QwenPlan();
        int index = Array.FindIndex(plan.Entries, e => e.IsMoe && e.IsKernel);
        double Layer(Device d)
        {
            var details = new OpTiming[plan.Entries.Length];
            new StepEvaluator(plan, new Cluster(d, 1, 1), EfficiencyProfile.Find("trtllm")!).Evaluate(1024, 1, 1024, details);
            return details[index].Seconds;
        }
        var none = new Dictionary<string, IReadOnlyDictionary<MathType, double>>();
        var unmeasured = B200 with { RowSeconds = none, EngineRowSeconds = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<MathType, double>>>() };
        double with = Layer(B200), without = Layer(unmeasured);
        Assert.Equal(3.53e-12 * 1024 * 8 * 2048, with - without, 9);
        Assert.InRange(with / 222.3e-6, 0.8, 1.2);
    }
}
