namespace GraphDsl.Numerics;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose sequence is the same on every
/// platform and runtime, unlike System.Random's. The one generator of the project: synthetic routing, weight
/// initialisation and token sampling all draw from it, so a seed means the same numbers everywhere.</summary>
public sealed class SplitMix64
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public SplitMix64(ulong seed) { _state = seed; }

    public ulong NextUInt64() => Mix(_state += GoldenGamma);

    /// <summary>Uniform in [0, 1) with 53 random bits (exact in double).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64's finaliser (a variant of MurmurHash3's): a bijection that spreads every input bit over
    /// the output; also used alone to derive a seed from another.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
