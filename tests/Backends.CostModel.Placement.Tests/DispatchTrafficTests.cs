using System.Linq;

namespace GraphDsl.Backends.Placement.Tests;

/// <summary>All-to-all bytes per layer: every routed token-expert pair not already on its GPU crosses a link twice
/// (dispatch and combine), split inside and between nodes by where the tokens start; balancing the load shrinks
/// what the busiest GPU receives, not the total.</summary>
public class DispatchTrafficTests
{
    [Fact]
    public void Totals_are_the_remote_token_expert_pairs_split_by_node()
    {
        var stats = Fixtures.Zipf(4, 256, 8, 1.2, tokens: 4096);
        var plan = ExpertPlacer.Place("round-robin", stats, new PlacementOptions { Gpus = 32, Nodes = 4 });
        const double bytes = 7168 * 2;
        var traffic = DispatchTraffic.Of(plan, stats, bytes);
        foreach (var (t, layer) in traffic.Zip(stats.Layers))
        {
            double pairs = layer.ExpertTokens.Sum();
            Assert.Equal(4096 * 8, pairs);
            // Of 32 GPUs in 4 nodes of 8: 7/32 of the pairs come from the same node, 24/32 from other nodes.
            Assert.Equal(2 * pairs * 7.0 / 32 * bytes, t.IntraNodeBytes, 1e-6 * t.IntraNodeBytes);
            Assert.Equal(2 * pairs * 24.0 / 32 * bytes, t.InterNodeBytes, 1e-6 * t.InterNodeBytes);
        }
    }

    [Fact]
    public void Eplb_lowers_what_the_busiest_gpu_receives_under_skew()
    {
        var stats = Fixtures.Zipf(6, 256, 8, 1.2, tokens: 4096);
        var options = new PlacementOptions { Gpus = 32, Nodes = 4, Redundant = 32 };
        double Busiest(string strategy) => DispatchTraffic.Of(ExpertPlacer.Place(strategy, stats, options), stats, 1).Sum(t => t.BusiestGpuBytes);
        double rr = Busiest("round-robin"), eplb = Busiest("eplb");
        Assert.True(eplb < 0.5 * rr, $"busiest GPU receives {eplb} with eplb against {rr} with round-robin");
    }
}
