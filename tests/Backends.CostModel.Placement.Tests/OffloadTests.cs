using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Moe;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Offload: the hottest experts are cached, and predicted miss traffic falls as the cache grows.</summary>
public class OffloadTests
{
    private readonly ITestOutputHelper _out;
    public OffloadTests(ITestOutputHelper output) { _out = output; }

    private static readonly Device H100 = HardwareCatalog.BuiltIn().Find("h100-sxm")!;

    [Fact]
    public void Predicted_miss_traffic_falls_as_gpu_slots_grow()
    {
        var stats = Fixtures.Zipf("qwen3-235b-a22b", 1.2);
        var facts = MoeExpertFacts.Of(Fixtures.Model("qwen3-235b-a22b"));
        var host = HostTier.For(H100);
        double lastBytes = double.MaxValue, lastMisses = double.MaxValue, lastSeconds = double.MaxValue;
        foreach (var slots in new[] { 8, 16, 32, 64, 96, 120 })
        {
            var plan = ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 1, GpuSlots = slots });
            var p = OffloadCost.Predict(plan, stats, 64, facts, host);
            _out.WriteLine($"gpu_slots {slots,3}: {p.ExpectedMisses,8:0.0} misses, {p.HostLinkBytes / 1e6,9:0.0} MB, {p.Seconds * 1e3,8:0.000} ms per step");
            Assert.True(p.HostLinkBytes < lastBytes && p.ExpectedMisses < lastMisses && p.Seconds < lastSeconds);
            (lastBytes, lastMisses, lastSeconds) = (p.HostLinkBytes, p.ExpectedMisses, p.Seconds);
        }
        var all = ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 1, GpuSlots = 128 });
        Assert.Equal(0, OffloadCost.Predict(all, stats, 64, facts, host).HostLinkBytes);
    }

    [Fact]
    public void The_cache_holds_the_hottest_experts()
    {
        var stats = Fixtures.Zipf(3, 64, 4, 1.2);
        var plan = ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 2, GpuSlots = 8 });
        for (int l = 0; l < 3; l++)
        {
            var hottest = Enumerable.Range(0, 64).OrderByDescending(e => stats.Layers[l].ExpertTokens[e]).ThenBy(e => e).Take(16).OrderBy(e => e);
            Assert.Equal(hottest, plan.Layers[l].PhysicalToLogical.OrderBy(e => e));
            Assert.Equal(48, plan.Layers[l].HostExperts(64).Length);
        }
    }

    [Fact]
    public void A_miss_costs_the_cheaper_of_fetching_and_computing_on_the_cpu()
    {
        // One layer, 4 experts, top-1; expert 3 is cold and picked by a quarter of the tokens.
        var stats = new RoutingStats("m", 4, 1, new[] { new LayerRouting("l", 100, new long[] { 25, 25, 25, 25 }) });
        var plan = new PlacementPlan("m", "offload", "", 1, 1, 4, 1, 3, new[] { new LayerPlan("l", new[] { 0, 1, 2 }) });
        var facts = new MoeExpertFacts(BytesPerExpert: 1e8, ParamsPerExpert: 5e7, Dim: 4096, ActivationBytes: 2, Groups: 1, NonExpertWeightBytes: 0, WeightBytesPerParam: 2);
        long t = 8;
        double touched = 1 - Math.Pow(0.75, t), tokens = t * 0.25 / touched;
        // Fetch only: 1e8 B over 50 GB/s = 2 ms.
        var fetch = OffloadCost.Predict(plan, stats, t, facts, new HostTier(50e9, 0, 500e9));
        Assert.Equal(touched * 2e-3, fetch.Seconds, 9);
        Assert.Equal(touched * 1e8, fetch.FetchBytes, 3);
        // A CPU of 100 TFLOP/s: max(2 x tokens x 5e7 / 1e14, 1e8 / 500e9 = 0.2 ms) beats the fetch; only activations cross.
        var cpu = OffloadCost.Predict(plan, stats, t, facts, new HostTier(50e9, 100e12, 500e9));
        Assert.Equal(touched * Math.Max(2 * tokens * 5e7 / 1e14, 2e-4), cpu.Seconds, 9);
        Assert.Equal(0, cpu.FetchBytes);
        Assert.Equal(t * 0.25 * 2 * 4096 * 2, cpu.HostLinkBytes, 6);
    }

    [Fact]
    public void Too_many_slots_are_refused()
    {
        var e = Assert.Throws<PlacementException>(() => ExpertPlacer.Place("offload", Fixtures.Zipf(1, 64, 4, 1.0), new PlacementOptions { Gpus = 4, GpuSlots = 17 }));
        Assert.Contains("at most 16 slots per GPU", e.Message);
    }
}
