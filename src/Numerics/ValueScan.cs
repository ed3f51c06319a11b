using System;

namespace GraphDsl.Numerics;

/// <summary>
/// Counts, over a stream of f32 values (a weight tensor read in chunks, one step's logits), what makes
/// them meaningless downstream: NaN and infinities, and finite values whose magnitude exceeds
/// <see cref="ExtremeMagnitude"/>. <c>graphdsl weights check</c> and <c>graphdsl run</c> report from it.
/// </summary>
public sealed class ValueScan
{
    /// <summary>
    /// Above this magnitude a weight or a logit is reported as extreme: trained weights are of order 1
    /// (rarely above 100), logits of order 10, and values of 10^4 and more overflow the f32 softmax
    /// and the sums of squares of a norm a few layers on.
    /// </summary>
    public const double ExtremeMagnitude = 1e4;

    /// <summary>Values seen.</summary>
    public long Count { get; private set; }

    /// <summary>NaN or ±infinity values.</summary>
    public long NonFinite { get; private set; }

    /// <summary>Index (in the whole stream) of the first NaN or infinity; -1 when there is none.</summary>
    public long FirstNonFinite { get; private set; } = -1;

    /// <summary>Finite values with |x| above <see cref="ExtremeMagnitude"/>.</summary>
    public long Extreme { get; private set; }

    /// <summary>The largest finite |x| (0 when there is none).</summary>
    public double MaxAbs { get; private set; }

    /// <summary>The smallest and largest finite values (0 when there is none).</summary>
    public double Min { get; private set; }
    public double Max { get; private set; }

    /// <summary>True when there are values and none of them is finite.</summary>
    public bool NoneFinite => Count > 0 && NonFinite == Count;

    /// <summary>True when there are two or more values, all finite and equal (logits that say nothing).</summary>
    public bool AllEqual => Count > 1 && NonFinite == 0 && Min == Max;

    public static ValueScan Of(float[] values)
    {
        var scan = new ValueScan();
        scan.Add(values);
        return scan;
    }

    public void Add(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v) || float.IsInfinity(v))
            {
                if (FirstNonFinite < 0) FirstNonFinite = Count + i;
                NonFinite++;
                continue;
            }
            double a = Math.Abs(v);
            if (a > ExtremeMagnitude) Extreme++;
            if (a > MaxAbs) MaxAbs = a;
            bool first = Count + i == NonFinite;   // no finite value seen before this one
            if (first || v < Min) Min = v;
            if (first || v > Max) Max = v;
        }
        Count += values.Length;
    }
}
