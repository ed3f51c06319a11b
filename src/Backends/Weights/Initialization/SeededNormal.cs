using System;
using System.Text;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Weights.Initialization;

/// <summary>
/// Seeded normal numbers that are bit-identical on every platform: SplitMix64 for uniform bits and the
/// Irwin-Hall sum of 12 uniforms (mean 6, variance 1) for the normal shape. Box-Muller would need
/// log and cos, whose last bits differ between math libraries; sums of exact doubles do not. The
/// distribution is bounded at 6 sigma, as a truncated normal.
/// </summary>
public sealed class SeededNormal
{
    private readonly SplitMix64 _bits;

    public SeededNormal(ulong seed) { _bits = new SplitMix64(seed); }

    /// <summary>A generator for one named tensor: the stream depends on the seed and the name only, so a
    /// weight's values do not change when other weights are added or reordered.</summary>
    public static SeededNormal ForTensor(ulong seed, string name) => new(SplitMix64.Mix(seed ^ Fnv1a(name)));

    public ulong NextUInt64() => _bits.NextUInt64();

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextUniform() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Approximately standard normal (exact mean 0 and variance 1).</summary>
    public double NextNormal()
    {
        double sum = 0;
        for (int i = 0; i < 12; i++) sum += NextUniform();
        return sum - 6;
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
