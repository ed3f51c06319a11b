using GraphDsl.Backends.Placement;

namespace GraphDsl.Cli.Rendering;

/// <summary>`place --format csv`: the table's per-layer part, one row per MoE layer: the busiest GPU, the load balance and,
/// with more than one GPU, the all-to-all traffic over the sample in GB (10^9 bytes).</summary>
internal static class PlacementCsv
{
    public static string Write(PlacementReport report)
    {
        var plan = report.Plan;
        var csv = new Csv(new[] { "model", "strategy", "gpus", "nodes", "layer", "busiest_gpu", "max_over_mean", "min_over_mean", "a2a_intra_node_gb", "a2a_inter_node_gb" });
        for (int i = 0; i < report.Loads.Layers.Count; i++)
        {
            var l = report.Loads.Layers[i];
            var traffic = report.Traffic?[i];
            double min = double.MaxValue;
            foreach (var g in l.GpuLoad) min = System.Math.Min(min, g);
            csv.Row(plan.Model, plan.Strategy, plan.Gpus, plan.Nodes, l.Name, l.BusiestGpu, l.Imbalance, l.Mean > 0 ? min / l.Mean : 1.0,
                traffic?.IntraNodeBytes / 1e9, traffic?.InterNodeBytes / 1e9);
        }
        return csv.ToString();
    }
}
