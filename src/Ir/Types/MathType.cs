using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Types;

/// <summary>
/// The math a device computes a kernel in, as the cost model prices it: the key of a dense peak in hardware.json
/// (<c>peak_tflops</c>), of a measured GEMM fraction (<c>measured.gemm_fraction</c>) and of a measured kernel latency
/// (<c>measured.fixed_us</c>). Element types map to it through <see cref="DType.Math"/>; the catalog parses its keys
/// into these once, at load. How a device without a math type computes it is declared here with the type, so a new
/// format is one declaration (and its figures in hardware.json).
/// </summary>
public sealed class MathType
{
    private MathType(string key, MathType? emulatedIn = null, MathType? sameKernelsAs = null, MathType? weightOnlyIn = null,
        MathType? peakFallback = null, MathType? kernelVariantOf = null)
    {
        Key = key; EmulatedIn = emulatedIn; SameKernelsAs = sameKernelsAs; WeightOnlyIn = weightOnlyIn; KernelVariantOf = kernelVariantOf;
        PeakFallback = peakFallback ?? emulatedIn ?? sameKernelsAs ?? weightOnlyIn;
    }

    /// <summary>The hardware.json key, also how reports name the math ("fp4 weights emulated in fp8").</summary>
    public string Key { get; }

    /// <summary>The next wider math that weights of this type are dequantized to and computed in on a device without
    /// it (FP4 -> FP8 -> BF16); null for types that are never emulated.</summary>
    public MathType? EmulatedIn { get; }

    /// <summary>Narrow tensor-core math (FP8, FP4) that a device may lack: GEMMs over weights in it compute in it where
    /// the device has it (activations quantized on the fly), and in <see cref="EmulatedIn"/> where not.</summary>
    public bool IsNarrow => EmulatedIn is not null;

    /// <summary>The math whose kernels this one runs as (f16 on bf16's tensor cores): its measured GEMM fraction and
    /// kernel latencies stand in where the device has none for this type.</summary>
    public MathType? SameKernelsAs { get; }

    /// <summary>For weight-only formats (W8A16, W4A16): the 16-bit math their weights are always dequantized into, by
    /// design rather than for want of hardware; its measured GEMM fraction stands in. Their kernels are their own.</summary>
    public MathType? WeightOnlyIn { get; }

    public bool IsWeightOnly => WeightOnlyIn is not null;

    /// <summary>The math whose dense peak stands in where the device has none for this one: the emulation chain, the
    /// same kernels, the weight-only math, f32 vector work on TF32 then BF16 tensor cores, bf16 on f16's.</summary>
    public MathType? PeakFallback { get; private set; }

    /// <summary>A kernel variant measured apart in <c>fixed_us</c> tables (block-scaled FP8), which stands in for the
    /// math it is a variant of where only it was measured; not a math with a peak of its own.</summary>
    public MathType? KernelVariantOf { get; }

    /// <summary>The kernel variant of this math measured apart (fp8_block for fp8), or null.</summary>
    public MathType? KernelVariant { get; private set; }

    /// <summary>BF16 tensor-core math: the 16-bit default.</summary>
    public static readonly MathType Bf16 = new("bf16");
    /// <summary>IEEE half tensor-core math, on bf16's kernels.</summary>
    public static readonly MathType F16 = new("f16", sameKernelsAs: Bf16);
    public static readonly MathType Tf32 = new("tf32", peakFallback: Bf16);
    /// <summary>f32 vector math: elementwise work, norms.</summary>
    public static readonly MathType F32 = new("f32", peakFallback: Tf32);
    /// <summary>FP8 tensor-core math: E4M3, E5M2, MXFP8.</summary>
    public static readonly MathType Fp8 = new("fp8", emulatedIn: Bf16);
    /// <summary>FP4 tensor-core math: E2M1 blocks (NVFP4, MXFP4).</summary>
    public static readonly MathType Fp4 = new("fp4", emulatedIn: Fp8);
    /// <summary>INT8 weights, weight-only (W8A16).</summary>
    public static readonly MathType Int8 = new("int8", weightOnlyIn: Bf16);
    /// <summary>INT4 weights, weight-only (W4A16).</summary>
    public static readonly MathType Int4 = new("int4", weightOnlyIn: Bf16);
    /// <summary>Block-scaled FP8 kernels (DeepSeek's 128 x 128 scales), measured apart by some engines.</summary>
    public static readonly MathType Fp8Block = new("fp8_block", kernelVariantOf: Fp8);

    static MathType()
    {
        Bf16.PeakFallback = F16;   // declared after Bf16, and falling back on it in turn
        foreach (var v in All)
            if (v.KernelVariantOf is { } of) of.KernelVariant = v;
    }

    /// <summary>Every math type, in the order docs and diagnostics list them.</summary>
    public static IReadOnlyList<MathType> All { get; } = new[] { F32, Tf32, Bf16, F16, Fp8, Fp4, Int8, Int4, Fp8Block };

    /// <summary>The types a device can have a dense peak for (a kernel variant is not a math of its own).</summary>
    public static IReadOnlyList<MathType> WithPeaks { get; } = All.Where(m => m.KernelVariantOf is null).ToArray();

    /// <summary>The math type a hardware.json key names; false for an unknown key.</summary>
    public static bool TryParse(string key, out MathType type)
    {
        type = All.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.Ordinal))!;
        return type is not null;
    }

    /// <summary>The keys of <paramref name="types"/>, comma-separated, for diagnostics and docs.</summary>
    public static string List(IEnumerable<MathType> types) => string.Join(", ", types.Select(t => t.Key));

    public override string ToString() => Key;
}
