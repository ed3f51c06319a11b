using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// The aggregated search space, bounded by construction. On G GPUs of a device with N GPUs per node:
/// <list type="bullet">
/// <item>tp: the powers of two up to min(G, N) (tensor parallelism stays inside a node's NVLink domain);</item>
/// <item>pp: 1, and 2 when the GPUs span nodes (a stage per node group);</item>
/// <item>dp = G / (tp x pp), the data-parallel (attention) replicas;</item>
/// <item>ep (MoE only): 1 and tp x dp (every GPU of a stage holds a share of the experts), where it divides the experts or,
/// below the expert count, redundant slots can make up the difference;</item>
/// <item>redundant expert slots (MoE only, ep &gt; 1): 0, ep (one replica slot per GPU, as EPLB deployments run), and where ep
/// does not divide the experts the fewest that make it (256 experts, ep 72: 32);</item>
/// <item>the weight and KV formats given (each a list), and moe_comm as given or the profile's;</item>
/// <item>the scheduler: chunked prefill (vLLM V1's and SGLang's default) with a token budget of 2,048 or 8,192 per
/// replica and at most 8 to 256 running sequences per replica (powers of two), never more sequences than tokens.</item>
/// </list>
/// Layout values the user fixed (<see cref="LayoutChoices"/>) replace the defaults of their key.
/// </summary>
public static class PlanSpace
{
    /// <summary>Running sequences per data-parallel replica the search tries (vLLM's max_num_seqs is per replica).</summary>
    public static readonly IReadOnlyList<int> BatchesPerReplica = new[] { 8, 16, 32, 64, 128, 256 };

    /// <summary>Chunked-prefill token budgets per replica (vLLM V1's OpenAI-server default, and SGLang's chunked_prefill_size).</summary>
    public static readonly IReadOnlyList<int> BudgetsPerReplica = new[] { 2048, 8192 };

    /// <summary>The most GPUs plan lays one engine over: 2,048, where the largest budget per replica (8,192 tokens) times
    /// the data-parallel replicas reaches the scheduler's limit (<see cref="SchedulerSpec.MaxLimit"/>, 2^24). Past it the
    /// engine's limits would have to be cut (they were: --gpus 9999999 planned max_batch=16777216, one sequence per replica
    /// in place of 16, and said nothing), so the planner refuses such a count instead of answering another question.</summary>
    public static readonly int MaxGpus = (int)(SchedulerSpec.MaxLimit / BudgetsPerReplica.Max());

    /// <summary>Every layout and format on the target's GPUs (moe_comm: the profile's).</summary>
    public static IEnumerable<Deployment> Deployments(PlanTarget target, PlanSearch search)
    {
        int gpus = target.Cluster.Gpus, perNode = target.Cluster.Device.GpusPerNode;
        var c = search.Layouts;
        var tps = c.Tp ?? PowersOfTwo(Math.Min(gpus, perNode));
        var pps = c.Pp ?? (gpus > perNode ? new[] { 1, 2 } : new[] { 1 });
        foreach (var pp in pps)
        foreach (var tp in tps)
        {
            if (gpus % ((long)tp * pp) != 0) continue;
            int dp = gpus / (tp * pp);
            if (c.Dp is { } dps && !dps.Contains(dp)) continue;
            foreach (var ep in ExpertParallel(search, tp * dp))
            foreach (var redundant in Redundant(search, ep))
            foreach (var comm in c.MoeComm ?? new[] { target.Efficiency.MoeComm })
            foreach (var w in search.Weights)
            foreach (var kv in search.Kv)
                yield return new Deployment(new ParallelLayout(tp, ep, dp, pp) { Redundant = redundant, MoeComm = ParallelLayout.ParseMoeComm(comm) }, w, kv);
        }
    }

    /// <summary>The scheduler settings tried on a deployment with <paramref name="dp"/> replicas: chunked{budget, max_batch}
    /// with both limits over the whole engine (the simulator's replicas share one queue).</summary>
    public static IEnumerable<(int BatchPerReplica, int BudgetPerReplica, SchedulerSpec Spec)> Schedulers(int dp)
    {
        foreach (var budget in BudgetsPerReplica)
        foreach (var batch in BatchesPerReplica)
        {
            if (batch > budget) continue;
            long maxBatch = Math.Min(SchedulerSpec.MaxLimit, (long)batch * dp), total = Math.Min(SchedulerSpec.MaxLimit, (long)budget * dp);
            yield return (batch, budget, new SchedulerSpec(SchedulerKind.Chunked, maxBatch, null, total));
        }
    }

    private static IEnumerable<int> ExpertParallel(PlanSearch search, int ranks)
    {
        if (search.Experts == 0) return new[] { 1 };
        var eps = search.Layouts.Ep ?? new[] { 1, ranks };
        // An ep that does not divide the experts, but is below their count, is kept when the redundant slots are the search's
        // to choose: the fewest that make up the difference (Redundant) let it run (256 experts on 72 GPUs: 32 redundant,
        // 288 slots). An ep above the expert count would hold more replicas than experts; it is left out as before.
        return eps.Distinct().Where(ep => ranks % ep == 0 && (search.Experts % ep == 0 || search.Layouts.Redundant is null && ep < search.Experts));
    }

    private static IEnumerable<int> Redundant(PlanSearch search, int ep)
    {
        if (search.Experts == 0) return new[] { 0 };
        var given = search.Layouts.Redundant ?? (ep > 1 ? new[] { 0, (ep - search.Experts % ep) % ep, ep } : new[] { 0 });
        return given.Distinct().Where(r => (search.Experts + r) % ep == 0);
    }

    private static int[] PowersOfTwo(int max)
    {
        var list = new List<int>();
        for (int v = 1; v <= max; v *= 2) list.Add(v);
        return list.ToArray();
    }
}
