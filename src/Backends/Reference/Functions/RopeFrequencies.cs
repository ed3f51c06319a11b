using System;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>
/// The rotation frequency of each RoPE pair: theta^(-2i/dims) for pair i, adjusted by the context
/// scaling. <c>linear</c> divides every frequency by the factor (positions / factor); <c>llama3</c>
/// is Llama 3.1's band rule with its published constants (low_freq_factor 1, high_freq_factor 4,
/// original context 8192), which the IR does not carry. YaRN needs more than the IR records
/// (original context, beta_fast/slow, attention temperature) and is rejected.
/// </summary>
public static class RopeFrequencies
{
    private const double Llama3LowFreqFactor = 1.0;
    private const double Llama3HighFreqFactor = 4.0;
    private const double Llama3OriginalContext = 8192.0;

    public static double[] Compute(int dims, double theta, string scaling, double factor)
    {
        var inv = new double[dims / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = Math.Pow(theta, -2.0 * i / dims);
        switch (scaling)
        {
            case "none":
                return inv;
            case "linear":
                for (int i = 0; i < inv.Length; i++) inv[i] /= factor;
                return inv;
            case "llama3":
                for (int i = 0; i < inv.Length; i++) inv[i] = Llama3(inv[i], factor);
                return inv;
            default:
                throw new ArgumentException($"rope scaling '{scaling}' is not supported by the reference interpreter " +
                    "(its parameters are not in the IR); supported: none, linear, llama3");
        }
    }

    private static double Llama3(double freq, double factor)
    {
        double lowWavelen = Llama3OriginalContext / Llama3LowFreqFactor;
        double highWavelen = Llama3OriginalContext / Llama3HighFreqFactor;
        double wavelen = 2 * Math.PI / freq;
        if (wavelen < highWavelen) return freq;
        if (wavelen > lowWavelen) return freq / factor;
        double smooth = (Llama3OriginalContext / wavelen - Llama3LowFreqFactor) / (Llama3HighFreqFactor - Llama3LowFreqFactor);
        return (1 - smooth) * freq / factor + smooth * freq;
    }
}
