using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// What one DeepSeek-V3 MoE layer moves per GPU at decode under each kind of layout (docs/passes.md, "MoE
/// communication"), against counts worked out by hand from the layout: T tokens in the step, M = T x 7168 x 2
/// bytes of bf16 activations, k = 8 of 256 experts. Uniform routing and a batch of 2^20 (in one forward pass) make the busiest GPU
/// the mean one to within 0.3%, so the counts are of the mean GPU.
/// </summary>
public class MoeLayoutTrafficTests
{
    private const double T = 1 << 20, D = 7168, M = T * D * 2;
    // The routing weights (f32) and expert ids (i32) an all-gather carries with the tokens.
    private const double RoutingBytes = T * 8 * (4 + 4);

    /// <summary>Chance that 8 distinct picks among <paramref name="slots"/> land in a given <paramref name="held"/>
    /// of them: 1 - C(P - S, 8) / C(P, 8), written out.</summary>
    private static double Hit(double slots, double held)
    {
        double none = 1;
        for (int i = 0; i < 8; i++) none *= (slots - held - i) / (slots - i);
        return 1 - none;
    }

    public static TheoryData<string, int, int, int, int, int, double, double> Layouts() => new()
    {
        // device, nodes, tp, dp, ep, redundant, to the experts, from the experts (bytes received per GPU)
        // tp16 over two nodes: every GPU has every token; one all-reduce of M sums the partial outputs, the shared
        // expert's with the routed experts'.
        { "h100-sxm", 2, 16, 1, 16, 0, 0, 2 * 15.0 / 16 * M },
        // attention DP16 + EP16: each GPU's M/16 of rows go once to each GPU (over NVLink, and once per other node
        // over the NIC, then forwarded) holding one of their experts; the combine mirrors it.
        { "h100-sxm", 2, 1, 16, 16, 0, M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)), M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)) },
        // tp2 x dp8, EP16: the two ranks of a replica split its rows, so each still sends M/16; an all-gather over
        // tp brings back the replica's M/8 of rows (half of it from the peer). The shared expert, split over the two
        // ranks, needs its own all-reduce of the replica's M/8 (2 x 1/2 of it received): an all-gathered output cannot
        // join a partial sum.
        { "h100-sxm", 2, 2, 8, 16, 0, M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)), M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)) + M / 8 / 2 + 2 * 1.0 / 2 * M / 8 },
        // tp4 x dp4, EP16: as above with four ranks per replica, each all-gathering 3/4 of the replica's M/4, and the
        // shared expert's all-reduce of M/4 over four ranks (2 x 3/4 of it).
        { "h100-sxm", 2, 4, 4, 16, 0, M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)), M / 16 * (2 * 7 * Hit(256, 16) + Hit(256, 128)) + 3.0 / 4 * M / 4 + 2 * 3.0 / 4 * M / 4 },
        // attention DP16 with every expert split 16 ways: each GPU gathers every token (15/16 of M, with their routing)
        // and a reduce-scatter returns the partial sums (15/16 of M).
        { "h100-sxm", 2, 1, 16, 1, 0, 15.0 / 16 * (M + RoutingBytes), 15.0 / 16 * M },
        // tp8 x dp2, EP2 (each expert split 8 ways): the two replicas are on different nodes; each GPU gathers the
        // other replica's half over dp, reduce-scatters over dp, then all-reduces its replica's M/2 over tp (once, with the
        // shared expert's partial output added first).
        { "h100-sxm", 2, 8, 2, 2, 0, 1.0 / 2 * (M + RoutingBytes), 1.0 / 2 * M + 2 * 7.0 / 8 * (M / 2) },
        // one node of 8 H200, DP8 + EP8 with 8 redundant slots: 264 slots, 33 per GPU; M/8 of rows per GPU.
        { "h200-sxm", 1, 1, 8, 8, 8, M / 8 * 7 * Hit(264, 33), M / 8 * 7 * Hit(264, 33) },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Bytes_each_GPU_receives_per_MoE_layer_match_hand_counts(string device, int nodes, int tp, int dp, int ep, int redundant, double toExperts, double fromExperts)
    {
        var (to, from) = LayerTraffic(device, nodes, new Deployment(new ParallelLayout(tp, ep, dp) { Redundant = redundant }));
        Assert.InRange(to, toExperts * 0.997 - 1, toExperts * 1.004 + 1);
        Assert.InRange(from, fromExperts * 0.997 - 1, fromExperts * 1.004 + 1);
    }

    /// <summary>Bytes one GPU receives for the first MoE layer's tokens on their way to the experts, and for
    /// their outputs on the way back (until the layer's end), at a decode step of T tokens over the deployment.</summary>
    internal static (double To, double From) LayerTraffic(string device, int nodes, Deployment d, string sample = "deepseek-v3", double tokens = T)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample(sample), d with { Weights = "fp8" }, "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var cluster = new Cluster(Models.Catalog.Find(device)!, nodes, d.Gpus / nodes);
        var profile = EfficiencyProfile.Find("default")! with { RoutingSkew = 0, MaxBatchedTokens = 1e9 };
        var plan = compiled!.DecodePlan;
        var evaluator = new StepEvaluator(plan, cluster, profile);
        var timings = new OpTiming[plan.Entries.Length];
        evaluator.Evaluate(tokens / d.Layout.Dp, 1, 1024, timings);
        int moe = Array.FindIndex(plan.Entries, e => e.IsMoe);
        Assert.True(moe >= 0);
        // To the experts: the collectives just before the MoE kernel. From them: every collective after it in the layer's
        // body, since the all-reduce that completes the experts' partial sum waits for the shared expert's to join it.
        double to = 0, from = 0;
        for (int i = moe - 1; i >= 0 && (plan.Entries[i].Collective != CollectiveKind.None || !plan.Entries[i].IsKernel); i--)
            if (plan.Entries[i].Collective != CollectiveKind.None) to += timings[i].Bytes;
        for (int i = moe + 1; i < plan.Entries.Length && plan.Entries[i].Group == plan.Entries[moe].Group; i++)
            if (plan.Entries[i].Collective != CollectiveKind.None) from += timings[i].Bytes;
        return (to, from);
    }
}
