namespace GraphDsl.Numerics;

/// <summary>Absolute maximum of a run of values, and whether any of them is NaN or ±Inf.</summary>
internal readonly struct BlockStats
{
    private BlockStats(float absMax, float min, float max, bool hasNonFinite)
    {
        AbsMax = absMax;
        Min = min;
        Max = max;
        HasNonFinite = hasNonFinite;
    }

    /// <summary>max |x| over the finite values (0 when there are none).</summary>
    public float AbsMax { get; }

    /// <summary>Smallest finite value, at most 0 (the range always includes zero).</summary>
    public float Min { get; }

    /// <summary>Largest finite value, at least 0.</summary>
    public float Max { get; }

    /// <summary>True when any value is NaN or ±Inf.</summary>
    public bool HasNonFinite { get; }

    public static BlockStats Of(float[] values, int offset, int count)
    {
        float min = 0f, max = 0f;
        bool nonFinite = false;
        for (int i = offset; i < offset + count; i++)
        {
            float v = values[i];
            if (!Bits.IsFinite(v)) { nonFinite = true; continue; }
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float absMax = -min > max ? -min : max;
        return new BlockStats(absMax, min, max, nonFinite);
    }
}
