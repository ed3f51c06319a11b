using System;
using System.IO;
using System.Linq;
using GraphDsl.TestSupport;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Seeded weights keep activations well conditioned through many layers.</summary>
public class SeededWeightTests
{
    [Theory]
    [InlineData("tiny-dense", "param layers = 4", "param layers = 48")]
    [InlineData("tiny-moe", "param layers = 4", "param layers = 48")]
    public void Logits_stay_finite_and_spread_through_48_layers(string sample, string from, string to)
    {
        var source = File.ReadAllText(Repo.Sample(sample)).Replace(from, to);
        var module = TestModels.FromSource(source);
        var logits = new Interpreter(module, TestModels.SeededWeights(module, 2))
            .Step(Tensor.FromInts(new[] { 1, 8 }, 1, 2, 3, 4, 5, 6, 7, 8), new KvCacheState());
        Assert.All(logits.Data, v => Assert.True(float.IsFinite(v)));
        double std = Math.Sqrt(logits.Data.Select(v => (double)v * v).Average());
        // The final norm bounds the scale; a collapsed or exploding residual stream would show as 0 or NaN.
        Assert.InRange(std, 0.1, 100);
        // Different positions still give different predictions.
        Assert.NotEqual(logits.Data.AsSpan(0, 512).ToArray(), logits.Data.AsSpan(7 * 512, 512).ToArray());
    }
}
