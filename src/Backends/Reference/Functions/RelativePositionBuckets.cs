using System;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>T5's <c>_relative_position_bucket</c>: exact buckets for small distances, logarithmic ones up
/// to <c>maxDistance</c>, and the last bucket beyond. Bidirectional (encoder) attention gives the
/// two directions separate halves of the buckets; causal attention only looks back.</summary>
public static class RelativePositionBuckets
{
    public const int DefaultMaxDistance = 128;

    /// <summary>The bucket of <paramref name="relative"/> = key position - query position.</summary>
    public static int Bucket(long relative, int numBuckets, bool bidirectional, int maxDistance = DefaultMaxDistance)
    {
        int bucket = 0;
        long n;
        if (bidirectional)
        {
            numBuckets /= 2;
            if (relative > 0) bucket += numBuckets;
            n = Math.Abs(relative);
        }
        else
            n = -Math.Min(relative, 0);
        int maxExact = numBuckets / 2;
        if (n < maxExact) return bucket + (int)n;
        // In f32, as the PyTorch and Mesh TensorFlow implementations compute it, so boundaries agree.
        float scaled = MathF.Log(n / (float)maxExact) / (float)Math.Log(maxDistance / (double)maxExact) * (numBuckets - maxExact);
        int large = maxExact + (int)scaled;
        return bucket + Math.Min(large, numBuckets - 1);
    }
}
