using static GraphDsl.Backends.Reference.Tests.T;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>
/// The recurrent ops against two-step recurrences worked by hand (1e-6): the state a step leaves is what the next one
/// starts from, and one prefill of two tokens equals two decode steps.
/// </summary>
public class RecurrentKernelTests
{
    private const string Conv =
        "%0 = core.input {name = \"x\"} : f32[1, seq, 1]\n%1 = core.input {name = \"w\"} : f32[1, 2]\n%2 = core.input {name = \"b\"} : f32[1]\n" +
        "%3 = nn.causal_conv1d %0, %1, bias=%2 : f32[1, seq, 1]\ncore.output %3 {name = \"y\"}";

    private static (string, Tensor)[] ConvInputs(params float[] x) => new[] { ("x", Of(S(1, x.Length, 1), x)), ("w", Of(S(1, 2), 0.5f, 2)), ("b", Of(S(1), 1)) };

    [Fact]
    public void Causal_conv_sees_the_inputs_kept_from_earlier_steps()
    {
        // Taps 0.5 (previous input) and 2 (this one), bias 1; zeros before the first token:
        // y = 0.5*0 + 2*1 + 1 = 3, 0.5*1 + 2*2 + 1 = 5.5, 0.5*2 + 2*3 + 1 = 8; then 0.5*3 + 2*4 + 1 = 10.5 from the kept 3.
        var cache = new KvCacheState();
        Near(new[] { 3.0, 5.5, 8 }, OpHarness.Run(Conv, cache, new WeightSet(), ConvInputs(1, 2, 3))["y"].Data, 1e-6);
        Near(new[] { 10.5 }, OpHarness.Run(Conv, cache, new WeightSet(), ConvInputs(4))["y"].Data, 1e-6);
    }

    private const string Delta =
        "%0 = core.input {name = \"q\"} : f32[1, seq, 1, 2]\n%1 = core.input {name = \"k\"} : f32[1, seq, 1, 2]\n" +
        "%2 = core.input {name = \"v\"} : f32[1, seq, 1, 1]\n%3 = core.input {name = \"a\"} : f32[1, seq, 1]\n" +
        "%4 = core.input {name = \"beta\"} : f32[1, seq, 1]\n%5 = core.input {name = \"a_log\"} : f32[1]\n%6 = core.input {name = \"dt_bias\"} : f32[1]\n" +
        "%7 = nn.gated_delta %0, %1, %2, %3, %4, %5, %6 : f32[1, seq, 1, 1]\ncore.output %7 {name = \"y\"}";

    private static (string, Tensor)[] DeltaInputs(float[] q, float[] k, float[] v, float[] beta)
    {
        int s = v.Length;
        return new[]
        {
            ("q", Of(S(1, s, 1, 2), q)), ("k", Of(S(1, s, 1, 2), k)), ("v", Of(S(1, s, 1, 1), v)), ("a", Of(S(1, s, 1), new float[s])),
            ("beta", Of(S(1, s, 1), beta)), ("a_log", Of(S(1), 0)), ("dt_bias", Of(S(1), 0)),
        };
    }

    // a_log = 0, a + dt_bias = 0: g = -exp(0) softplus(0) = -ln 2, so the state halves before each token.
    // Token 1: q = k = [1, 0] (L2-normalized: k1 = 1/sqrt(1 + 1e-6)), v = 2, beta = 0.5: S = 0; delta = 0.5 (2 - 0) = 1;
    //   S = [k1, 0]; o = S . q k1 / sqrt(2) = k1^2 / sqrt(2) = 0.7071060740804733.
    // Token 2: q = [1, 0], k = [1, 1] (each 1/sqrt(2 + 1e-6)), v = 4, beta = 1: S = [k1/2, 0]; S^T k = k1 n / 2;
    //   delta = 4 - k1 n / 2; S = [k1/2 + n delta, n delta]; o = S0 k1 / sqrt(2) = 2.1767751069095205.
    [Fact]
    public void Gated_delta_rule_decays_corrects_and_reads_its_state()
    {
        var cache = new KvCacheState();
        var y1 = OpHarness.Run(Delta, cache, new WeightSet(), DeltaInputs(new float[] { 1, 0 }, new float[] { 1, 0 }, new float[] { 2 }, new[] { 0.5f }))["y"];
        var y2 = OpHarness.Run(Delta, cache, new WeightSet(), DeltaInputs(new float[] { 1, 0 }, new float[] { 1, 1 }, new float[] { 4 }, new[] { 1f }))["y"];
        Near(new[] { 0.7071060740804733 }, y1.Data, 1e-6);
        Near(new[] { 2.1767751069095205 }, y2.Data, 1e-6);
        var both = OpHarness.Run(Delta, new KvCacheState(), new WeightSet(),
            DeltaInputs(new float[] { 1, 0, 1, 0 }, new float[] { 1, 0, 1, 1 }, new float[] { 2, 4 }, new[] { 0.5f, 1f }))["y"];
        Near(new[] { 0.7071060740804733, 2.1767751069095205 }, both.Data, 1e-6);
    }

    private static string Ssd(string aLogShape) =>
        "%0 = core.input {name = \"x\"} : f32[1, seq, 1, 1]\n%1 = core.input {name = \"dt\"} : f32[1, seq, 1]\n" +
        "%2 = core.input {name = \"b\"} : f32[1, seq, 1, 2]\n%3 = core.input {name = \"c\"} : f32[1, seq, 1, 2]\n" +
        $"%4 = core.input {{name = \"a_log\"}} : f32{aLogShape}\n%5 = core.input {{name = \"dt_bias\"}} : f32[1]\n%6 = core.input {{name = \"d\"}} : f32[1]\n" +
        "%7 = nn.ssd %0, %1, %2, %3, %4, %5, d=%6 : f32[1, seq, 1, 1]\ncore.output %7 {name = \"y\"}";

    private static (string, Tensor)[] SsdInputs(float x, float[] b, float[] c, Tensor aLog) => new[]
    {
        ("x", Of(S(1, 1, 1, 1), x)), ("dt", Of(S(1, 1, 1), 0)), ("b", Of(S(1, 1, 1, 2), b)), ("c", Of(S(1, 1, 1, 2), c)),
        ("a_log", aLog), ("dt_bias", Of(S(1), 0)), ("d", Of(S(1), 0.5f)),
    };

    // dt + dt_bias = 0: dt' = softplus(0) = ln 2; a_log = 0: A = -1, so exp(dt' A) = 1/2. d = 0.5.
    // Token 1: x = 1, B = [1, 2], C = [1, 1]: h = ln2 [1, 2]; y = 3 ln2 + 0.5 = 2.5794415416798357.
    // Token 2: x = 2, B = [1, 0], C = [0, 1]: h = [ln2/2 + 2 ln2, ln2]; y = ln2 + 1 = 1.6931471805599454.
    [Fact]
    public void Ssd_scan_decays_and_accumulates_its_state()
    {
        var cache = new KvCacheState();
        var aLog = Of(S(1), 0);
        Near(new[] { 2.5794415416798357 }, OpHarness.Run(Ssd("[1]"), cache, new WeightSet(), SsdInputs(1, new float[] { 1, 2 }, new float[] { 1, 1 }, aLog))["y"].Data, 1e-6);
        Near(new[] { 1.6931471805599454 }, OpHarness.Run(Ssd("[1]"), cache, new WeightSet(), SsdInputs(2, new float[] { 1, 0 }, new float[] { 0, 1 }, aLog))["y"].Data, 1e-6);
    }

    // Mamba-1's decay per state dimension: a_log = [0, ln 2], A = [-1, -2], exp(dt' A) = [1/2, 1/4].
    // Token 2 then reads h1 = ln2 [2] / 4 = ln2 / 2: y = ln2/2 + 1 = 1.3465735902799727.
    [Fact]
    public void Ssd_with_a_decay_per_state_dimension_is_mamba1()
    {
        var cache = new KvCacheState();
        var aLog = Of(S(1, 2), 0, (float)System.Math.Log(2));
        Near(new[] { 2.5794415416798357 }, OpHarness.Run(Ssd("[1, 2]"), cache, new WeightSet(), SsdInputs(1, new float[] { 1, 2 }, new float[] { 1, 1 }, aLog))["y"].Data, 1e-6);
        Near(new[] { 1.3465735902799727 }, OpHarness.Run(Ssd("[1, 2]"), cache, new WeightSet(), SsdInputs(2, new float[] { 1, 0 }, new float[] { 0, 1 }, aLog))["y"].Data, 1e-6);
    }

    [Fact]
    public void Group_rmsnorm_normalizes_each_group_separately()
    {
        // Groups [3, 4] (rms sqrt(12.5)) and [1, 1] (rms 1), weight [1, 2, 1, 1].
        var y = OpHarness.Y("%0 = core.input {name = \"x\"} : f32[4]\n%1 = core.input {name = \"w\"} : f32[4]\n" +
            "%2 = nn.group_rmsnorm %0, %1 {eps = 0.0, groups = 2} : f32[4]\ncore.output %2 {name = \"y\"}",
            ("x", Of(S(4), 3, 4, 1, 1)), ("w", Of(S(4), 1, 2, 1, 1)));
        Near(new[] { 3 / 3.5355339059327378, 8 / 3.5355339059327378, 1, 1 }, y.Data, 1e-6);
    }
}
