using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Norms and softmax over the last axis, against hand-computed values (1e-6).</summary>
public class NormKernelTests
{
    [Fact]
    public void Rmsnorm_divides_by_the_root_mean_square_then_scales()
    {
        // rms([3, 4]) = sqrt(12.5) = 3.5355339; second row: rms([1, 1]) = 1.
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[2, 2]\n%1 = core.input {name = \"w\"} : f32[2]\n" +
            "%2 = nn.rmsnorm %0, %1 {eps = 0.0} : f32[2, 2]\ncore.output %2 {name = \"y\"}",
            ("x", Of(S(2, 2), 3, 4, 1, 1)), ("w", Of(S(2), 1, 2)));
        Near(new[] { 3 / 3.5355339059327378, 8 / 3.5355339059327378, 1, 2 }, y.Data, 1e-6);
    }

    [Fact]
    public void Rmsnorm_adds_eps_inside_the_root()
    {
        // mean(x^2) = 0.01, eps 0.03: 0.1 / sqrt(0.04) = 0.5.
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[1]\n%1 = core.input {name = \"w\"} : f32[1]\n" +
            "%2 = nn.rmsnorm %0, %1 {eps = 0.03} : f32[1]\ncore.output %2 {name = \"y\"}", ("x", Of(S(1), 0.1f)), ("w", Of(S(1), 1)));
        Near(new[] { 0.5 }, y.Data, 1e-6);
    }

    [Fact]
    public void Layernorm_centers_scales_and_shifts_with_an_optional_bias()
    {
        // mean 2, population variance 2/3: normalized [-1.2247449, 0, 1.2247449].
        const string body = "%0 = core.input {name = \"x\"} : f32[3]\n%1 = core.input {name = \"w\"} : f32[3]\n%2 = core.input {name = \"b\"} : f32[3]\n";
        var withBias = OpHarness.Run(body + "%3 = nn.layernorm %0, %1, bias=%2 {eps = 0.0} : f32[3]\ncore.output %3 {name = \"y\"}",
            ("x", Of(S(3), 1, 2, 3)), ("w", Of(S(3), 1, 1, 2)), ("b", Of(S(3), 0, 1, 0)))["y"];
        Near(new[] { -1.2247448713915890, 1, 2.4494897427831781 }, withBias.Data, 1e-6);
        var noBias = OpHarness.Run(body + "%3 = nn.layernorm %0, %1 {eps = 0.0} : f32[3]\ncore.output %3 {name = \"y\"}",
            ("x", Of(S(3), 1, 2, 3)), ("w", Of(S(3), 1, 1, 2)), ("b", Of(S(3), 0, 1, 0)))["y"];
        Near(new[] { -1.2247448713915890, 0, 2.4494897427831781 }, noBias.Data, 1e-6);
    }

    [Fact]
    public void Softmax_normalizes_the_last_axis_without_overflow()
    {
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[2, 3]\n%1 = nn.softmax %0 : f32[2, 3]\ncore.output %1 {name = \"y\"}",
            ("x", Of(S(2, 3), 1, 2, 3, 1000, 1001, float.NegativeInfinity)));
        Near(new[] { 0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 0.2689414213699951, 0.7310585786300049, 0 }, y.Data, 1e-7);
    }
}
