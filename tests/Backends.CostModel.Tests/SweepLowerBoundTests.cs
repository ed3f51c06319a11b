using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Every layout of DeepSeek-V3 on 16 H100s over 2 nodes that a sweep ranks communicates at least what physics
/// demands: per MoE layer, each GPU must receive the rows of tokens living on other attention replicas that pick
/// one of its experts, and no link runs faster than its datasheet bandwidth (NVLink and the NIC at once: the rows
/// from the other node cross the NIC). A layout whose communication is priced below that bound (data-parallel attention over expert tensor parallelism used to
/// price only an all-reduce of a GPU's own tokens) would win the sweep without moving its tokens.
/// </summary>
public class SweepLowerBoundTests
{
    [Fact]
    public void No_sweep_row_communicates_less_than_the_tokens_its_experts_need()
    {
        var device = Models.Catalog.Find("h100-sxm")!;
        var cluster = new Cluster(device, 2, 8);
        var profile = EfficiencyProfile.Find("default")!;
        const long batch = 256, context = 4096;
        const int moeLayers = 58, experts = 256, topK = 8;
        const double hidden = 7168, elem = 2;
        var rows = new List<(Deployment D, SweepPoint P)>();
        foreach (int tp in new[] { 1, 2, 4, 8, 16 })
        {
            int dp = 16 / tp;
            foreach (int ep in new[] { 1, 2, 4, 8, 16 }.Where(e => 16 % e == 0))
            {
                var d = new Deployment(new ParallelLayout(tp, ep, dp, 1), "fp8");
                var compiled = CompiledDeployment.Compile(Models.Sample("deepseek-v3"), d, "", new DiagnosticBag());
                if (compiled is null) continue;
                rows.Add((d, new SweepEvaluator(compiled, cluster, profile).Evaluate(batch, 2048, context)));
            }
        }
        Assert.True(rows.Count >= 10, $"{rows.Count} layouts compiled");
        foreach (var (d, p) in rows)
        {
            // With 2 nodes and tensor-parallel ranks innermost, half of the replicas (and so of the tokens) live on the
            // other node whenever there are at least 2 replicas; those rows cross the NIC, the rest of the other
            // replicas' rows cross NVLink, and both links run at once.
            double local = (double)experts / d.Layout.Ep;
            double none = 1;
            for (int i = 0; i < topK; i++) none *= (experts - local - i) / (experts - i);
            double hit = 1 - none, row = hidden * elem;
            double otherNode = d.Layout.Dp > 1 ? batch / 2.0 : 0, sameNode = d.Layout.Dp > 1 ? batch / 2.0 - (double)batch / d.Layout.Dp : 0;
            double boundMs = moeLayers * Math.Max(otherNode * hit * row / device.Network.BytesPerSecond, sameNode * hit * row / device.IntraNode.BytesPerSecond) * 1e3;
            Assert.True(p.CommMs >= boundMs, $"{d}: {p.CommMs:F3} ms of communication per step, below the {boundMs:F3} ms its tokens need");
        }
        var best = rows.Where(r => r.P.Feasible).OrderBy(r => r.P.TpotMs).First();
        Assert.False(best.D.Layout.Dp > 1 && best.D.Layout.Ep == 1, $"the best layout {best.D} keeps every replica's tokens at home");
    }
}
