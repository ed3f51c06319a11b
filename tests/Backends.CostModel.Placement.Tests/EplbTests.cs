using System.Linq;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>EPLB: balance under skewed routing, replicas for every expert, the reference example, node groups.</summary>
public class EplbTests
{
    private readonly ITestOutputHelper _out;
    public EplbTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public void Eplb_with_32_redundant_experts_balances_zipf_load_that_round_robin_does_not()
    {
        // DeepSeek-V3's MoE shape: 256 experts, top-8, 58 layers; Zipf(1.2) load, seed 7; 32 GPUs.
        var stats = Fixtures.Zipf("deepseek-v3", 1.2);
        var eplb = ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Redundant = 32 });
        var roundRobin = ExpertPlacer.Place("round-robin", stats, new PlacementOptions { Gpus = 32 });
        double balanced = PlacementMetrics.Loads(eplb, stats).MaxOverMean, baseline = PlacementMetrics.Loads(roundRobin, stats).MaxOverMean;
        _out.WriteLine($"max/mean: eplb {balanced:0.0000}, round-robin {baseline:0.0000}");
        Assert.Equal("global", eplb.Mode);
        Assert.Equal(9, eplb.SlotsPerGpu);
        Assert.True(balanced < 1.1, $"eplb max/mean {balanced}");
        Assert.True(baseline >= 1.1, $"round-robin max/mean {baseline}");
    }

    [Fact]
    public void Eplb_reproduces_the_reference_example()
    {
        // github.com/deepseek-ai/EPLB README: 2 layers x 12 experts, 16 replicas, 4 groups, 2 nodes, 8 GPUs.
        var weights = new[]
        {
            new double[] { 90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86 },
            new double[] { 20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27 },
        };
        var expected = new[]
        {
            new[] { 5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1 },
            new[] { 7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1 },
        };
        Assert.True(EplbPlacer.UsesHierarchy(12, 4, 2));
        for (int l = 0; l < 2; l++) Assert.Equal(expected[l], EplbPlacer.Rebalance(weights[l], 16, 4, 2, 8));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Every_logical_expert_keeps_at_least_one_replica(int nodes)
    {
        var stats = Fixtures.Zipf("deepseek-v3", 1.2);
        var plan = ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Nodes = nodes, Redundant = 32, ExpertGroups = 8 });
        Assert.Equal(nodes > 1 ? "hierarchical" : "global", plan.Mode);
        foreach (var layer in plan.Layers)
        {
            var counts = layer.ReplicaCounts(plan.Experts);
            Assert.All(counts, c => Assert.True(c >= 1));
            Assert.Equal(288, counts.Sum());
        }
    }

    [Fact]
    public void Hierarchical_eplb_keeps_each_expert_group_inside_one_node()
    {
        var stats = Fixtures.Zipf("deepseek-v3", 1.2);
        var plan = ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Nodes = 4, Redundant = 32, ExpertGroups = 8 });
        foreach (var layer in plan.Layers)
            for (int group = 0; group < 8; group++)
            {
                var nodes = Enumerable.Range(0, plan.PhysicalExperts).Where(p => layer.PhysicalToLogical[p] / 32 == group)
                    .Select(p => plan.NodeOf(plan.GpuOf(p))).Distinct().ToList();
                Assert.Single(nodes);
            }
        var balance = PlacementMetrics.Loads(plan, stats).MaxOverMean;
        _out.WriteLine($"hierarchical max/mean {balance:0.0000}");
    }

    [Fact]
    public void Eplb_rejects_a_replica_count_that_does_not_fill_the_gpus_evenly()
    {
        var stats = Fixtures.Zipf(2, 256, 8, 1.2);
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Redundant = 30 }));
        Assert.Equal(PlacementProblem.Deployment, e.Problem);
        Assert.Contains("256 + 30 = 286 must be a multiple of the 32 GPUs", e.Message);
        Assert.Contains("try --redundant 32", e.Message);
    }

    /// <summary>The suggestion was computed in 32 bits: 8 experts on 2^31 - 1 GPUs suggested --redundant -8.</summary>
    [Fact]
    public void The_suggested_replica_count_does_not_wrap()
    {
        var stats = Fixtures.Zipf(2, 8, 2, 1.2);
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = int.MaxValue }));
        Assert.Contains("8 + 0 = 8 must be a multiple of the 2147483647 GPUs (every GPU holds the same number of experts); try --redundant 2147483639", e.Message);
    }

    /// <summary>EPLB's packing and replication chose by scanning every pack per item and every expert per replica, so one slot
    /// per GPU was quadratic in the GPUs (4,096 took 8 s, 65,536 did not end in 100 s). They now keep their candidates in
    /// priority queues; here they choose as the scans did (the lightest pack with room, the expert with the most load per
    /// replica, ties to the lowest index) on weights with many ties.</summary>
    [Fact]
    public void Packing_and_replication_choose_as_the_scans_did()
    {
        var rng = new GraphDsl.Numerics.SplitMix64(3);
        for (int trial = 0; trial < 50; trial++)
        {
            int experts = 1 + (int)(rng.NextUInt64() % 40), packs = 1 + (int)(rng.NextUInt64() % 12), physical = experts + (int)(rng.NextUInt64() % 60);
            var weights = Enumerable.Range(0, experts).Select(_ => (double)(rng.NextUInt64() % 5)).ToArray();
            var (scanMap, scanCounts) = ScanReplicate(weights, physical);
            var (map, counts) = BalancedPacking.Replicate(weights, physical);
            Assert.Equal(scanMap, map);
            Assert.Equal(scanCounts, counts);
            var items = Enumerable.Range(0, packs * (1 + (int)(rng.NextUInt64() % 6))).Select(_ => (double)(rng.NextUInt64() % 4)).ToArray();
            var (pack, rank) = BalancedPacking.Pack(items, packs);
            var (scanPack, scanRank) = ScanPack(items, packs);
            Assert.Equal(scanPack, pack);
            Assert.Equal(scanRank, rank);
        }
    }

    private static (int[], int[]) ScanPack(double[] weights, int packs)
    {
        int n = weights.Length, per = n / packs;
        var pack = new int[n];
        var rank = new int[n];
        var load = new double[packs];
        var count = new int[packs];
        foreach (var item in Enumerable.Range(0, n).OrderByDescending(i => weights[i]).ThenBy(i => i))
        {
            int best = -1;
            for (int p = 0; p < packs; p++)
                if (count[p] < per && (best < 0 || load[p] < load[best])) best = p;
            pack[item] = best;
            rank[item] = count[best]++;
            load[best] += weights[item];
        }
        return (pack, rank);
    }

    private static (int[], int[]) ScanReplicate(double[] weights, int physical)
    {
        int n = weights.Length;
        var map = new int[physical];
        var counts = new int[n];
        for (int i = 0; i < n; i++) { map[i] = i; counts[i] = 1; }
        for (int i = n; i < physical; i++)
        {
            int best = 0;
            for (int e = 1; e < n; e++)
                if (weights[e] / counts[e] > weights[best] / counts[best]) best = e;
            map[i] = best;
            counts[best]++;
        }
        return (map, counts);
    }

    /// <summary>A replica count beyond every GPU holding every expert balances nothing; --redundant 1000000000
    /// used to allocate the slot map and run out of memory (and int.MaxValue wrapped experts + redundant).</summary>
    [Theory]
    [InlineData(1_000_000_000)]
    [InlineData(int.MaxValue)]
    public void Eplb_rejects_more_replicas_than_every_gpu_holding_every_expert(int redundant)
    {
        var stats = Fixtures.Zipf(2, 8, 2, 1.2);
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 8, Redundant = redundant }));
        Assert.Equal(PlacementProblem.Deployment, e.Problem);
        Assert.Contains($"experts + redundant = 8 + {redundant} is more than experts x GPUs = 64", e.Message);
        // The largest legal count still places: each of the 8 GPUs holds all 8 experts.
        Assert.Equal(8, ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 8, Redundant = 56 }).SlotsPerGpu);
    }

    [Fact]
    public void Without_redundant_experts_eplb_still_balances_better_than_round_robin()
    {
        var stats = Fixtures.Zipf(4, 256, 8, 1.2);
        double eplb = PlacementMetrics.Loads(ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32 }), stats).MaxOverMean;
        double rr = PlacementMetrics.Loads(ExpertPlacer.Place("round-robin", stats, new PlacementOptions { Gpus = 32 }), stats).MaxOverMean;
        _out.WriteLine($"no replicas: eplb {eplb:0.0000}, round-robin {rr:0.0000}");
        Assert.True(eplb <= rr);
    }
}
