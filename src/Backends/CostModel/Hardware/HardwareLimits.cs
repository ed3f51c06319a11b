namespace GraphDsl.Backends.CostModel.Hardware;

/// <summary>
/// The largest figures a hardware file may give: far beyond any device built (a thousand times or more),
/// so a real or future device always fits, but a number no device could have (1e300 GB/s) is an error
/// naming the field rather than a prediction that every deployment is instant and fits. The smallest rates likewise sit a
/// thousand times or more below any device, so 1e-300 GB/s is an error rather than a step of 10^300 ms.
/// </summary>
public static class HardwareLimits
{
    /// <summary>Memory per GPU: 10^15 bytes, a petabyte (the largest GPUs hold 288 GB).</summary>
    public const double MaxMemoryBytes = 1e15;

    /// <summary>HBM or link bandwidth: 10^6 GB/s, i.e. 10^3 TB/s (HBM3e delivers 8 TB/s, NVLink 5 0.9 TB/s per direction).</summary>
    public const double MaxBandwidthGbps = 1e6;

    /// <summary>Lowest HBM or link bandwidth: 0.01 GB/s, 10 MB/s (a PCIe 1.0 lane carries 250 MB/s, HBM 100 GB/s and up).</summary>
    public const double MinBandwidthGbps = 0.01;

    /// <summary>Lowest peak throughput of a format: 0.001 TFLOP/s, a GFLOP/s (the smallest accelerators reach 10 TFLOP/s).</summary>
    public const double MinPeakTflops = 1e-3;

    /// <summary>Peak throughput of a format: 10^6 TFLOP/s, i.e. 10^18 FLOP/s (B200: 9 PFLOP/s of dense FP4).</summary>
    public const double MaxPeakTflops = 1e6;

    /// <summary>Lowest share of a peak or a bandwidth a kernel reaches (gemm_fraction, hbm_fraction, scan_fraction, an attention
    /// law's eta_max and kv_hbm_fraction): 10^-5, a thousand times below the smallest measured (a chunked recurrent scan's
    /// 0.034 of the BF16 peak). hbm_fraction 1e-9 printed a TPOT of 2.4 x 10^9 ms with exit 0.</summary>
    public const double MinFraction = 1e-5;

    /// <summary>Why <paramref name="f"/> is no measured share of a peak (outside (0, 1], or below <see cref="MinFraction"/>),
    /// as the end of a sentence naming the field; null when it is one.</summary>
    public static string? FractionProblem(double f) =>
        !(f > 0 && f <= 1) ? "must be in (0, 1]"
        : f < MinFraction ? $"is {f.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}, below any device (at least {MinFraction.ToString("G", System.Globalization.CultureInfo.InvariantCulture)})"
        : null;

    /// <summary>A latency or fixed kernel time: 10^6 us, a second (real ones are microseconds).</summary>
    public const double MaxMicroseconds = 1e6;

    /// <summary>GPUs per node or SMs per GPU: 2^16 (NVL72 racks have 72 GPUs, a B200 148 SMs).</summary>
    public const int MaxCount = 1 << 16;
}
