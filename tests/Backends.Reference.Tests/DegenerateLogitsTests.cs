using GraphDsl.Numerics;
using GraphDsl.Backends.Reference.Generation;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Logits that are not numbers: no token is picked from NaN or infinity, and a step with no
/// finite logit is a <see cref="DegenerateLogitsException"/> naming the step (it used to be an
/// InvalidOperationException that the command line reported as an internal error).</summary>
public class DegenerateLogitsTests
{
    [Fact]
    public void Greedy_and_sampling_never_pick_an_infinite_logit()
    {
        var logits = new[] { 1f, float.PositiveInfinity, 2f, float.NaN };
        Assert.Equal(2, TokenSampler.Greedy(logits));
        for (ulong seed = 1; seed <= 20; seed++)
            Assert.Contains(TokenSampler.Sample(logits, 1.0, new SplitMix64(seed)), new[] { 0, 2 });
    }

    [Fact]
    public void A_step_with_no_finite_logit_is_reported_with_its_step()
    {
        var model = new ScriptedModel(new[] { 0f, 5f, 1f }, new[] { float.NaN, float.PositiveInfinity, float.NaN });
        var e = Assert.Throws<DegenerateLogitsException>(() => new Generator(model).Generate(new[] { 1, 2 }, 4));
        Assert.Equal(1, e.Step);
        Assert.Equal((3L, 3L, 0L), (e.Scan.Count, e.Scan.NonFinite, e.Scan.FirstNonFinite));
        Assert.Equal("step 1: all 3 logits are NaN or infinite", e.Message);
    }

    /// <summary>Returns the given logits, one row per step, as [1, 1, vocab].</summary>
    private sealed class ScriptedModel : ITokenModel
    {
        private readonly float[][] _steps;
        private int _step;
        public ScriptedModel(params float[][] steps) { _steps = steps; }
        public Tensor Step(Tensor tokens) => new(new[] { 1, 1, _steps[0].Length }, (float[])_steps[_step++].Clone());
        public void Reset() => _step = 0;
    }
}
