namespace GraphDsl.Fuzz;

/// <summary>SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose sequence is fixed by its seed on every
/// platform and runtime version, unlike System.Random, so a mutated input is reproducible from (seed, index).</summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) { _state = seed; }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n); n must be positive.</summary>
    public int Below(int n) => (int)(Next() % (ulong)n);

    public bool Chance(int oneIn) => Below(oneIn) == 0;
}
