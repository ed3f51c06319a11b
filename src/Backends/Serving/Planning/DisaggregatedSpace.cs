using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// The disaggregated (xPyD) search space, bounded by construction. On G GPUs of a device with N GPUs per node:
/// <list type="bullet">
/// <item>instance sizes: powers of two below G that divide a node or fill whole nodes (an instance lies in one node or
/// spans whole ones, as <see cref="Disaggregation.DisaggregatedSimulation"/> places it);</item>
/// <item>splits: x prefill instances of g_p GPUs and y decode instances of g_d GPUs with x g_p + y g_d = G, x and y at
/// most <see cref="MaxInstances"/>;</item>
/// <item>an instance's layout: tp a power of two up to min(g, N), dp = g / tp, ep (MoE) 1 or g where it divides the
/// experts, pp 1, no redundant expert slots; the prefill and decode instances search their layouts independently and
/// share the weight and KV formats;</item>
/// <item>the scheduler: <c>disagg{max_batch=B}</c> with B 8 to 256 sequences per decode replica (powers of two; the
/// decode instances' limit, as vLLM's max_num_seqs) and the profile's max_batched_tokens on the prefill instances.</item>
/// </list>
/// Layout values the user fixed (<see cref="LayoutChoices"/>) filter the instances' layouts; a fixed pp without 1 or fixed
/// redundant slots without 0 leave no disaggregated candidate.
/// </summary>
public static class DisaggregatedSpace
{
    /// <summary>The most instances of one kind a split holds (engines beyond this are run as data parallelism instead).</summary>
    public const int MaxInstances = 64;

    /// <summary>Instance sizes on the target: powers of two below its GPUs, within a node or whole nodes.</summary>
    public static IEnumerable<int> Sizes(PlanTarget target)
    {
        int gpus = target.Cluster.Gpus, node = target.Cluster.Device.GpusPerNode;
        for (int g = 1; g < gpus; g *= 2)
            if ((g <= node && node % g == 0) || g % node == 0) yield return g;
    }

    /// <summary>Every xPyD split of the target's GPUs: (prefill instance GPUs, prefill instances, decode instance GPUs, decode instances).</summary>
    public static IEnumerable<(int PrefillGpus, int Prefills, int DecodeGpus, int Decodes)> Splits(PlanTarget target)
    {
        int gpus = target.Cluster.Gpus;
        var sizes = Sizes(target).ToList();
        foreach (var gp in sizes)
        foreach (var gd in sizes)
            for (int x = 1; x <= MaxInstances && x * gp < gpus; x++)
            {
                int rest = gpus - x * gp;
                if (rest % gd == 0 && rest / gd <= MaxInstances) yield return (gp, x, gd, rest / gd);
            }
    }

    /// <summary>The layouts of one instance of <paramref name="gpus"/> GPUs in the given formats (moe_comm: the profile's).</summary>
    public static IEnumerable<Deployment> Instances(int gpus, PlanTarget target, PlanSearch search, string weights, string kv)
    {
        var c = search.Layouts;
        if (c.Pp is { } pps && !pps.Contains(1)) yield break;
        if (search.Experts > 0 && c.Redundant is { } rs && !rs.Contains(0)) yield break;
        var comm = ParallelLayout.ParseMoeComm(c.MoeComm?.FirstOrDefault() ?? target.Efficiency.MoeComm);
        for (int tp = 1; tp <= Math.Min(gpus, target.Cluster.Device.GpusPerNode); tp *= 2)
        {
            if (gpus % tp != 0 || (c.Tp is { } tps && !tps.Contains(tp))) continue;
            int dp = gpus / tp;
            if (c.Dp is { } dps && !dps.Contains(dp)) continue;
            var eps = search.Experts == 0 ? new[] { 1 } : (c.Ep ?? new[] { 1, gpus }).Distinct().Where(ep => gpus % ep == 0 && search.Experts % ep == 0);
            foreach (var ep in eps)
                yield return new Deployment(new ParallelLayout(tp, ep, dp, 1) { MoeComm = comm }, weights, kv);
        }
    }

    /// <summary>Every instance deployment of every target (what the family compiles).</summary>
    public static IEnumerable<Deployment> Deployments(PlanSearch search) =>
        search.Targets.SelectMany(t => Splits(t).SelectMany(s => new[] { s.PrefillGpus, s.DecodeGpus }).Distinct()
                .SelectMany(g => search.Weights.SelectMany(w => search.Kv.SelectMany(kv => Instances(g, t, search, w, kv)))))
            .Distinct();

    /// <summary>An instance layout of a deployment (<c>tp4ep4x2</c>).</summary>
    public static InstanceLayout Layout(Deployment d, int count) => new(d.Layout.Tp, d.Layout.Ep, d.Layout.Dp, d.Layout.Pp, count);

    /// <summary>The scheduler settings tried on a split: the decode instances' max_batch, per decode replica times its replicas.</summary>
    public static IEnumerable<SchedulerSpec> Schedulers(InstanceLayout prefill, InstanceLayout decode) =>
        PlanSpace.BatchesPerReplica.Select(b => SchedulerSpec.Disaggregated(prefill, decode, Math.Min(SchedulerSpec.MaxLimit, (long)b * decode.Dp)));
}
