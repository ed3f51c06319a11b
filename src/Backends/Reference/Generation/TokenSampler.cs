using System;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Reference.Generation;

/// <summary>Picks the next token from one position's logits: greedy, or sampled at a temperature.</summary>
public static class TokenSampler
{
    /// <summary>The index of the largest finite logit; ties go to the lowest index. NaN and infinities never
    /// win (an infinite logit is an overflow, not a certainty; <see cref="Generator"/> reports a step with no finite one).</summary>
    public static int Greedy(ReadOnlySpan<float> logits)
    {
        int best = -1;
        for (int i = 0; i < logits.Length; i++)
            if (float.IsFinite(logits[i]) && (best < 0 || logits[i] > logits[best])) best = i;
        if (best < 0) throw new InvalidOperationException("no logit is finite");
        return best;
    }

    /// <summary>Draws from softmax(logits / temperature) with one uniform number from <paramref name="random"/>.</summary>
    public static int Sample(ReadOnlySpan<float> logits, double temperature, SplitMix64 random)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be positive (use Greedy for 0)");
        int n = logits.Length;
        double max = double.NegativeInfinity;
        for (int i = 0; i < n; i++) if (float.IsFinite(logits[i])) max = Math.Max(max, logits[i] / temperature);
        if (double.IsNegativeInfinity(max)) throw new InvalidOperationException("no logit is finite");
        var weights = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            weights[i] = float.IsFinite(logits[i]) ? Math.Exp(logits[i] / temperature - max) : 0;
            sum += weights[i];
        }
        double u = random.NextDouble() * sum, cumulative = 0;
        int last = 0;
        for (int i = 0; i < n; i++)
        {
            if (weights[i] == 0) continue;
            cumulative += weights[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // u landed on the rounding slack at the top
    }
}
