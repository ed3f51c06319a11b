using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace GraphDsl.Backends.Placement;

/// <summary>The human summary of a placement report: the group, the balance, transitions, memory, offload, then one row per layer.</summary>
public static class PlacementTable
{
    public static string Write(PlacementReport report)
    {
        var plan = report.Plan;
        var sb = new StringBuilder();
        void Line(string format, params object[] args) => sb.Append(string.Format(CultureInfo.InvariantCulture, format, args)).Append('\n');

        Line("{0}: {1}{2} over {3} GPU(s) in {4} node(s)", plan.Model, plan.Strategy, plan.Mode.Length > 0 ? $" ({plan.Mode})" : "", plan.Gpus, plan.Nodes);
        if (plan.Redundant >= 0)
            Line("experts: {0} logical + {1} redundant = {2} physical, {3} per GPU", plan.Experts, plan.Redundant, plan.PhysicalExperts, plan.SlotsPerGpu);
        else
            Line("experts: {0} logical, {1} cached per GPU ({2} on GPUs), {3} in host memory per layer", plan.Experts, plan.SlotsPerGpu, plan.PhysicalExperts, -plan.Redundant);
        Line("load: max/mean {0:0.000} (worst layer {1}), mean imbalance {2:0.000}", report.Loads.MaxOverMean, report.Loads.WorstLayer, report.Loads.MeanImbalance);
        if (report.Memory is { } m)
            Line("expert memory: {0:0.00} GB per GPU of {1:0.00} GB free for experts ({2:0.0} MB per expert)",
                ExpertMemoryCheck.BytesPerGpu(plan, m) / 1e9, m.GpuBudgetBytes / 1e9, m.ExpertBytes / 1e6);
        if (report.Transitions is { } t)
        {
            var baseline = report.BaselineTransitions is { } b && plan.Strategy != PlacementReport.Baseline
                ? string.Format(CultureInfo.InvariantCulture, " (round-robin: {0:0.000}, {1:0.000})", b.CrossGpu, b.CrossNode) : "";
            Line("layer-to-layer transitions leaving the GPU {0:0.000}, leaving the node {1:0.000}{2}", t.CrossGpu, t.CrossNode, baseline);
        }
        if (report.Traffic is { } a2a)
            Line("all-to-all over the sample: {0:0.000} GB inside nodes, {1:0.000} GB between nodes; the busiest GPU receives {2:0.000} GB",
                a2a.Sum(x => x.IntraNodeBytes) / 1e9, a2a.Sum(x => x.InterNodeBytes) / 1e9, a2a.Sum(x => x.BusiestGpuBytes) / 1e9);
        if (report.Offload is { } o)
            Line("offload, {0} tokens per step: {1:0.0} expected misses, {2:0.000} GB over {3}, {4:0.000} ms of misses per step",
                o.Tokens, o.ExpectedMisses, o.HostLinkBytes / 1e9, o.Host.LinkName, o.Seconds * 1e3);
        sb.Append('\n');
        int width = Math.Max(5, plan.Layers.Max(l => l.Name.Length));
        bool traffic = report.Traffic is not null;
        Line("{0}  {1,11}  {2,8}  {3,8}{4}", "layer".PadRight(width), "busiest GPU", "max/mean", "min/mean", traffic ? "  a2a intra MB  a2a inter MB" : "");
        for (int i = 0; i < report.Loads.Layers.Count; i++)
        {
            var l = report.Loads.Layers[i];
            var bytes = traffic ? string.Format(CultureInfo.InvariantCulture, "  {0,12:0.0}  {1,12:0.0}", report.Traffic![i].IntraNodeBytes / 1e6, report.Traffic[i].InterNodeBytes / 1e6) : "";
            Line("{0}  {1,11}  {2,8:0.000}  {3,8:0.000}{4}", l.Name.PadRight(width), l.BusiestGpu, l.Imbalance, l.Mean > 0 ? l.GpuLoad.Min() / l.Mean : 1, bytes);
        }
        return sb.ToString();
    }
}
