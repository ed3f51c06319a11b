namespace GraphDsl.Backends.Reference.Generation;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose sequence is the same on
/// every platform and runtime, unlike System.Random's.</summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) { _state = seed; }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits (exact in double).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
