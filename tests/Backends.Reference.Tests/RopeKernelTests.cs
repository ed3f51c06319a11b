using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>RoPE in the rotate-half convention: pairs (i, i + dims/2), angle pos * theta^(-2i/dims) (1e-6).</summary>
public class RopeKernelTests
{
    private const string Graph = "%0 = core.input {name = \"x\"} : f32[1, seq, 1, 4]\n%1 = nn.rope %0 {theta = 100.0{0}} : f32[1, seq, 1, 4]\ncore.output %1 {name = \"y\"}";

    private static Tensor Run(string attrs, KvCacheState cache, int positions)
    {
        var values = new float[positions * 4];
        for (int p = 0; p < positions; p++) { values[4 * p] = 1; values[4 * p + 1] = 2; values[4 * p + 2] = 3; values[4 * p + 3] = 4; }
        return OpHarness.Run(Graph.Replace("{0}", attrs), cache, new WeightSet(), ("x", Of(S(1, positions, 1, 4), values)))["y"];
    }

    [Fact]
    public void Rotates_pairs_i_and_i_plus_half_by_position_times_frequency()
    {
        // x = [1, 2, 3, 4], theta 100, head size 4: pair (0, 2) turns at frequency 1, pair (1, 3) at 100^(-1/2) = 0.1.
        var y = Run("", new KvCacheState(), 2);
        Near(new float[] { 1, 2, 3, 4 }, y.Data[..4], 0); // position 0 stays
        // position 1: [1 cos 1 - 3 sin 1, 2 cos .1 - 4 sin .1, 3 cos 1 + sin 1, 4 cos .1 + 2 sin .1]
        Near(new[] { -1.9841106485555495, 1.590674663968739, 2.4623779024123156, 4.17968349440576 }, y.Data[4..], 1e-6);
    }

    [Fact]
    public void Dims_limits_the_rotation_to_the_first_dimensions()
    {
        // dims 2: only the pair (0, 1) turns, at frequency 1; dims 2 and 3 pass through.
        var y = Run(", dims = 2", new KvCacheState(), 2);
        Near(new[] { -1.1426396637476532, 1.922075596544176, 3, 4 }, y.Data[4..], 1e-6);
    }

    [Fact]
    public void Positions_continue_after_the_tokens_of_earlier_steps()
    {
        var cache = new KvCacheState();
        Run("", cache, 2);
        Assert.Equal(2, cache.TokensSeen);
        // The next step's single token sits at position 2.
        var y = Run("", cache, 1);
        Near(new[] { -3.1440391170241875, 1.1654558325022384, -0.33914308281574557, 4.317604972955089 }, y.Data, 1e-6);
    }

    [Fact]
    public void Linear_scaling_divides_positions_by_the_factor()
    {
        // At position 2 with factor 2 the angles are those of position 1.
        var y = Run(", scaling = \"linear\", factor = 2.0", new KvCacheState(), 3);
        Near(new[] { -1.9841106485555495, 1.590674663968739, 2.4623779024123156, 4.17968349440576 }, y.Data[8..], 1e-6);
    }

    [Fact]
    public void Yarn_scaling_is_rejected_with_the_reason()
    {
        var e = Assert.Throws<InterpreterException>(() => Run(", scaling = \"yarn\", factor = 4.0", new KvCacheState(), 1));
        Assert.Contains("nn.rope", e.Message);
        Assert.Contains("yarn", e.Message);
    }
}
