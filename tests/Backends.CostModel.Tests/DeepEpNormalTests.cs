using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// SGLang's prefill dispatch and combine on DeepEP's normal kernels (the sglang profile's <c>ep_prefill_all_to_all:
/// deepep_normal</c>), timed by hardware.json's <c>measured.ep_dispatch</c> / <c>ep_combine</c> <c>deepep_normal</c> curves:
/// AIConfigurator's wideep_deepep_normal tables (tools/KernelFit) at DeepSeek-V3's shape on 20 SMs, time = transmit + notify,
/// against the 16-bit bytes of the token-GPU copies one rank sends (tokens x hidden x 2 x the GPUs a token reaches).
/// </summary>
public class DeepEpNormalTests
{
    private const double Hidden = 7168;
    private static readonly EfficiencyProfile Sglang = EfficiencyProfile.Find("sglang")!;

    /// <summary>One rank's 16-bit token rows.</summary>
    private static double Rows(double tokens) => tokens * Hidden * 2;

    private static Collectives On(string device, int nodes, int gpus, EfficiencyProfile? profile = null) =>
        new(new Cluster(Models.Catalog.Find(device)!, nodes, 8), profile ?? Sglang, new ParallelLayout(1, gpus, gpus, 1));

    /// <summary>DeepSeek-V3's routing over a group of g GPUs: 256 experts, 256 / g on each, top-8 (the tables' shape).</summary>
    private static double? Normal(Collectives c, bool combine, double tokens, int group) =>
        c.NormalExchange(combine, Rows(tokens), group, 256, 256.0 / group, 8);

    /// <summary>The tables' rows, transmit + notify: H100 4 nodes (EP32) 16,384 tokens per rank 6,960 + 67.8 us and
    /// 13,578 + 230.5 us; H100 one node 4,096 tokens 491.24 us and 972.51 us; B200 one node (SGLang 0.5.12 table) 16,384
    /// tokens 1,926.21 us and 3,096.95 us (kept to 0.1 us). The H200 reads the H100's rows (AIConfigurator filed the same ones for both).</summary>
    [Fact]
    public void The_curves_give_the_measured_times_at_the_measured_points()
    {
        var h100 = On("h100-sxm", 4, 32);
        Assert.Equal(7027.8e-6, Normal(h100, false, 16384, 32)!.Value, 9);
        Assert.Equal(13808.5e-6, Normal(h100, true, 16384, 32)!.Value, 9);
        Assert.Equal(491.2e-6, Normal(h100, false, 4096, 8)!.Value, 9);
        Assert.Equal(972.5e-6, Normal(h100, true, 4096, 8)!.Value, 9);
        var b200 = On("b200", 1, 8);
        Assert.Equal(1926.2e-6, Normal(b200, false, 16384, 8)!.Value, 9);
        Assert.Equal(3096.9e-6, Normal(b200, true, 16384, 8)!.Value, 9);
        Assert.Equal(Normal(h100, true, 16384, 32), Normal(On("h200-sxm", 4, 32), true, 16384, 32));
        // The measure: a DeepSeek-V3 token reaches 32 x (1 - C(248, 8) / C(256, 8)) = 7.27 of 32 GPUs, 5.29 of 8.
        Assert.Equal(7.2668, Collectives.NormalCopies(32, 256, 8, 8), 4);
        Assert.Equal(5.2947, Collectives.NormalCopies(8, 256, 32, 8), 4);
    }

    /// <summary>Between measured token counts the curve interpolates in log-log (12,288 tokens per rank lies between the
    /// 8,192 and 16,384 rows: 3,585.7 and 7,027.8 us); a small rank count's flat, noisy start takes the least time measured
    /// at its size or a larger one (one node: 37.3 us at 1 token, 33.9 us at 32, so 33.9 us from 1 to 32 tokens).</summary>
    [Fact]
    public void Token_counts_between_rows_interpolate_in_log_log_and_small_ones_take_the_least_time_above()
    {
        var c = On("h100-sxm", 4, 32);
        double w = Math.Log(12288.0 / 8192) / Math.Log(16384.0 / 8192);
        Assert.Equal(Math.Exp(Math.Log(3585.7e-6) * (1 - w) + Math.Log(7027.8e-6) * w), Normal(c, false, 12288, 32)!.Value, 9);
        var one = On("h100-sxm", 1, 8);
        Assert.Equal(33.9e-6, Normal(one, false, 1, 8)!.Value, 9);
        Assert.Equal(33.9e-6, Normal(one, false, 32, 8)!.Value, 9);
        // Other shapes read the same curve through their copies: top-4 of 64 experts over 8 GPUs reaches fewer of them.
        double copies = Collectives.NormalCopies(8, 64, 8, 4);
        Assert.Equal(one.NormalExchange(false, Rows(4096) * copies / Collectives.NormalCopies(8, 256, 32, 8), 8, 256, 32, 8),
            one.NormalExchange(false, Rows(4096), 8, 64, 8, 4));
    }

    /// <summary>A group reads the curves measured over as many nodes as it spans: 24 GPUs (3 nodes) blend the 16- and
    /// 32-GPU curves geometrically, 128 take the 64-GPU curve, 4 on one node the 8-GPU (one-node) curve, and 12 (two nodes)
    /// the 16-GPU curve, never a blend with the one-node kernels (NVLink only) of the 8-GPU curve. The B200's table holds one
    /// node only: a group across nodes has no curve and keeps the link model.</summary>
    [Fact]
    public void Groups_take_the_nearest_or_blended_curve_of_their_own_span()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        var curves = h100.CurvesOf("ep_combine")["deepep_normal"];
        double At(int curve, int group, double tokens) => curves[curve].At(Rows(tokens) * Collectives.NormalCopies(group, 256, 256.0 / group, 8));
        var c = On("h100-sxm", 16, 128);
        double w = Math.Log(24.0 / 16) / Math.Log(32.0 / 16);
        Assert.Equal(Math.Pow(At(16, 24, 4096), 1 - w) * Math.Pow(At(32, 24, 4096), w), Normal(c, true, 4096, 24)!.Value, 12);
        Assert.Equal(At(64, 128, 4096), Normal(c, true, 4096, 128)!.Value, 12);
        Assert.Equal(At(8, 4, 4096), Normal(c, true, 4096, 4)!.Value, 12);
        Assert.Equal(At(16, 12, 4096), Normal(c, true, 4096, 12)!.Value, 12);
        var b200 = On("b200", 2, 16);
        Assert.NotNull(Normal(b200, true, 4096, 8));
        Assert.Null(Normal(b200, true, 4096, 16));
    }

    /// <summary>Only the sglang profile names the normal kernels: every other profile keeps the link model for prefill, and
    /// a device without curves (MI300X) keeps it under sglang too.</summary>
    [Fact]
    public void Other_profiles_and_unmeasured_devices_keep_the_link_model()
    {
        foreach (var p in EfficiencyProfile.BuiltIn.Where(p => p.Name != "sglang"))
        {
            Assert.Equal("", p.EpPrefillAllToAll);
            Assert.Null(Normal(On("h100-sxm", 4, 32, p), false, 4096, 32));
        }
        Assert.Equal("deepep_normal", Sglang.EpPrefillAllToAll);
        Assert.Null(Normal(On("mi300x", 4, 32), false, 4096, 32));
    }

    /// <summary>
    /// SGLang's large-EP prefill (LMSYS's blog, LE04): DeepSeek-V3 on 32 H100s over 4 nodes, attention DP32, EP32 with 32
    /// redundant slots (9 of 288 per GPU), 16,384 tokens per rank. A token reaches 32 x p(9 of 288, top-8) = 7.26 GPUs, so a
    /// rank's 16,384 rows measure 1.705 GB, just under the 16,384-token row's 1.707 GB: each of the 58 MoE layers pays at
    /// least about 7.02 + 13.79 ms, 1.207 s in all (the busiest rank's share of routed tokens adds a little). The link model
    /// (the default profile) sends the 90% of rows bound for other nodes over a 40 GB/s NIC and pays more; decode steps keep
    /// the low-latency curves.
    /// </summary>
    [Fact]
    public void A_deepseek_prefill_step_on_sglang_pays_the_measured_deepep_normal_time_per_moe_layer()
    {
        var layout = new ParallelLayout(1, 32, 32, 1) { Redundant = 32 };
        var compiled = CompiledDeployment.Compile(Models.Sample("deepseek-v3"), new Deployment(layout, "fp8"),
            GraphDsl.Passes.Core.Pipeline.Empty, new GraphDsl.Ir.Diagnostics.DiagnosticBag())!;
        var cluster = new Cluster(Models.Catalog.Find("h100-sxm")!, 4, 8);
        double AllToAll(CostPlan plan, EfficiencyProfile p, double batch, double seq, double ctx)
        {
            var details = new OpTiming[plan.Entries.Length];
            new StepEvaluator(plan, cluster, p).Evaluate(batch, seq, ctx, details);
            return plan.Entries.Select((e, i) => e.Collective == CollectiveKind.AllToAll ? details[i].CommSeconds * e.Multiplicity : 0).Sum();
        }
        double sglang = AllToAll(compiled.PrefillPlan, Sglang, 4, 4096, 4096);
        Assert.InRange(sglang, 58 * 20.8e-3, 58 * 20.8e-3 * 1.1);
        Assert.True(AllToAll(compiled.PrefillPlan, EfficiencyProfile.Find("default")!, 4, 4096, 4096) > 1.3 * sglang);
        // Decode keeps DeepEP's low-latency kernels: 4 tokens per rank pay tens of microseconds per exchange, not the
        // normal kernels' ~100 us floor over 4 nodes.
        double decode = AllToAll(compiled.DecodePlan, Sglang, 4, 1, 4096);
        var c = On("h100-sxm", 4, 32);
        Assert.True(decode < 58 * (Normal(c, false, 4, 32)!.Value + Normal(c, true, 4, 32)!.Value));
    }
}
