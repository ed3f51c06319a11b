using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Parallelize;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The measured, device-specific efficiencies the engine profiles build on: GEMM fractions per math
/// format, weight-streaming bandwidth, all-reduce time against message size, and the KV pool of an engine that
/// sizes it from free memory.</summary>
public class MeasuredEfficiencyTests
{
    [Fact]
    public void Devices_carry_their_measured_fractions_and_others_the_typical_ones()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        Assert.Equal(0.791, h100.GemmFractionFor(MathType.Bf16));
        Assert.Equal(0.628, h100.GemmFractionFor(MathType.Fp8));
        Assert.Equal(0.791, h100.GemmFractionFor(MathType.F16));   // same tensor cores as bf16
        Assert.Equal(0.791, h100.GemmFractionFor(MathType.Int8));  // weight-only: 16-bit math
        Assert.Equal(0.843, h100.HbmFraction);
        // FP8 GEMMs reach a smaller share of their (twice as high) peak than BF16 ones.
        Assert.True(StepEvaluator.MeasuredGemmFraction(h100, MathType.Fp8) < StepEvaluator.MeasuredGemmFraction(h100, MathType.Bf16));
        // No FP4 math on Hopper: FP4 weights run FP8 math at FP8's fraction.
        Assert.Equal(0.628, StepEvaluator.MeasuredGemmFraction(h100, MathType.Fp4));
        // The L40S has no usable weight-streaming measurement: the catalog's median of the measured devices.
        var l40s = Models.Catalog.Find("l40s")!;
        Assert.Equal(0.82, l40s.HbmFraction);
        Assert.Equal(0.491, l40s.GemmFractionFor(MathType.Fp8));
        // The MI300X carries AMD's own kernel measurements (AITER's tuned tables): its FP8 GEMMs reach a far smaller share
        // of peak and of HBM than Hopper's.
        var mi300x = Models.Catalog.Find("mi300x")!;
        Assert.Equal(0.514, mi300x.GemmFractionFor(MathType.Bf16));
        Assert.Equal(0.378, mi300x.GemmFractionFor(MathType.Fp8));
        Assert.Equal(0.675, mi300x.HbmFraction);
    }

    /// <summary>Engines run their own kernels: vLLM's one-row FP8 Linear on an H100 has a 12.8 us fixed cost and 179 ps per K
    /// element, TensorRT-LLM's 13.1 us and 73 ps; where an engine's table lacks a kind or format the device's default (TensorRT-LLM's) applies, and FP8 takes
    /// an engine's block-scaled FP8 kernels where only those were measured.</summary>
    /// <summary>typical_measured is the median over the devices AIConfigurator's TensorRT-LLM database measured (not those
    /// that copy another's figures, nor the AMD ones measured otherwise), GB200 included: what a device without its own
    /// measurement takes (h100-pcie: BF16 and FP8 and HBM; mi355x: FP4).</summary>
    [Fact]
    public void The_typical_fractions_are_the_medians_of_the_measured_devices()
    {
        static double Median(IEnumerable<double> values)
        {
            var v = values.OrderBy(x => x).ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }
        var measured = new[] { "a100-sxm-80gb", "h100-sxm", "h200-sxm", "b200", "l40s", "gb200" }.Select(id => Models.Catalog.Find(id)!).ToList();
        double GemmMedian(MathType m) => Median(measured.Where(d => d.Peak(m) is not null && d.GemmFraction.ContainsKey(m)).Select(d => d.GemmFraction[m]));
        var pcie = Models.Catalog.Find("h100-pcie")!;
        Assert.Equal(0.727, GemmMedian(MathType.Bf16), 3);
        Assert.Equal(GemmMedian(MathType.Bf16), pcie.GemmFractionFor(MathType.Bf16)!.Value, 3);
        Assert.Equal(GemmMedian(MathType.Fp8), pcie.GemmFractionFor(MathType.Fp8)!.Value, 3);
        Assert.Equal(GemmMedian(MathType.Fp4), Models.Catalog.Find("mi355x")!.GemmFractionFor(MathType.Fp4)!.Value, 3);
        // The L40S has no weight-streaming measurement of its own (it takes the typical one).
        Assert.Equal(Median(measured.Where(d => d.Id != "l40s").Select(d => d.HbmFraction)), pcie.HbmFraction, 3);
    }

    [Fact]
    public void Engines_take_their_own_measured_kernels_and_fall_back_to_the_default()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        Assert.Equal(12.8e-6, h100.FixedLatencyFor("gemm", MathType.Fp8, "vllm")!.Value, 12);
        Assert.Equal(13.1e-6, h100.FixedLatencyFor("gemm", MathType.Fp8)!.Value, 12);
        Assert.Equal(13.1e-6, h100.FixedLatencyFor("gemm", MathType.Fp8, "no-such-engine")!.Value, 12);
        // Its terms come with the fixed latency they were fitted with: vLLM's per-K time, not TensorRT-LLM's.
        Assert.Equal(179e-12, h100.KSecondsFor("gemm", MathType.Fp8, "vllm")!.Value, 15);
        Assert.Equal(73e-12, h100.KSecondsFor("gemm", MathType.Fp8)!.Value, 15);
        Assert.Equal(11.9e-6, h100.FixedLatencyFor("attention", MathType.Bf16, "vllm")!.Value, 12);
        Assert.Null(h100.FixedLatencyFor("attention", MathType.Bf16));           // TensorRT-LLM's decode-attention fit was dropped
        var h200 = Models.Catalog.Find("h200-sxm")!;
        Assert.Equal(28.1e-6, h200.FixedLatencyFor("moe", MathType.Fp8, "sglang")!.Value, 12);   // SGLang measured block-scaled FP8 only
        var vllm = EfficiencyProfile.Find("vllm")!;
        Assert.Equal(12.8e-6 + 179e-12 * 4096, FixedOfFirst("llama-3-8b", "h100-sxm", "fp8", vllm, OpClass.Gemm), 12);
        Assert.Equal("vllm", vllm.KernelEngine);
        Assert.Equal("vllm", vllm.AllReduceCurve);
        // An engine's profile on AMD GPUs is its ROCm one; SGLang on ROCm shares vLLM's.
        Assert.Equal("vllm-rocm", EfficiencyProfile.ForEngine("vllm", Models.Catalog.Find("mi300x")).Name);
        Assert.Equal("vllm-rocm", EfficiencyProfile.ForEngine("sglang", Models.Catalog.Find("mi300x")).Name);
        Assert.Equal("sglang", EfficiencyProfile.ForEngine("sglang", h100).Name);
        Assert.Equal("default", EfficiencyProfile.ForEngine("", h100).Name);
    }

    /// <summary>TensorRT-LLM's kernels have a fixed cost that does not scale with bytes (AIConfigurator's kernel
    /// database, tools/KernelFit): a one-row FP8 Linear layer takes ~14 us on an H100 beyond its weight bytes
    /// (activation quantization included), a BF16 one ~4 us, a fused MoE layer ~29 us. The profiles that
    /// model TensorRT-LLM use them; other engines keep their launch constant.</summary>
    [Fact]
    public void Gemm_and_moe_kernels_take_the_measured_fixed_latency_of_their_format()
    {
        var trt = EfficiencyProfile.Find("trtllm")!;
        // GEMMs: the fixed latency plus the serial walk over K (Llama 3 8B's first GEMM, the QKV projection: K 4,096).
        Assert.Equal(13.1e-6 + 73e-12 * 4096, FixedOfFirst("llama-3-8b", "h100-sxm", "fp8", trt, OpClass.Gemm), 12);
        Assert.Equal(2.8e-6 + 298e-12 * 4096, FixedOfFirst("llama-3-8b", "h100-sxm", "bf16", trt, OpClass.Gemm), 12);
        Assert.Equal(28.5e-6, FixedOfFirst("qwen3-30b-a3b", "h100-sxm", "fp8", trt, OpClass.GroupedGemm), 12);
        Assert.Equal(38.6e-6, FixedOfFirst("qwen3-30b-a3b", "b200", "nvfp4", trt, OpClass.GroupedGemm), 12);
        // FP8 weights on an A100 (no FP8 math) are emulated: dequantized into BF16 kernels, which take BF16's measured 5.8 us + 44 ps per K.
        Assert.Equal(5.8e-6 + 44e-12 * 4096, FixedOfFirst("llama-3-8b", "a100-sxm-80gb", "fp8", trt, OpClass.Gemm), 12);
        // An engine without the measurement keeps its own constant.
        var gptFast = EfficiencyProfile.Find("gpt-fast")!;
        Assert.Equal(gptFast.KernelSeconds, FixedOfFirst("llama-3-8b", "h100-sxm", "fp8", gptFast, OpClass.Gemm), 12);
        // A device without a measurement (L40S) also keeps the launch constant; the MI300X has AMD's own (AITER's FP8 GEMM).
        Assert.Equal(trt.KernelSeconds, FixedOfFirst("llama-3-8b", "l40s", "fp8", trt, OpClass.Gemm), 12);
        Assert.Equal(8.9e-6, FixedOfFirst("llama-3-8b", "mi300x", "fp8", trt, OpClass.Gemm), 12);
    }

    /// <summary>A weight format the device has no math for is converted for the next math it has (FP4 -> FP8 -> BF16), and the
    /// prediction says so: MXFP4 on an H100 or MI300X runs as FP8, FP8 on an A100 as BF16; a B200 computes FP4 itself.</summary>
    [Fact]
    public void Formats_a_device_cannot_compute_are_reported_as_emulated()
    {
        string Emulated(string sample, string device, string weights)
        {
            var p = Models.Predictor(sample, device, new Deployment(new ParallelLayout(1), Weights: weights), EfficiencyProfile.Find("default"));
            return string.Join("; ", p.Predict(new Workload(1, 128, 256)).Emulated);
        }
        Assert.Equal("fp4 weights emulated in fp8 (no fp4 math on h100-sxm: dequantized)", Emulated("llama-3-8b", "h100-sxm", "mxfp4"));
        Assert.Equal("fp4 weights emulated in fp8 (no fp4 math on mi300x: dequantized)", Emulated("llama-3-8b", "mi300x", "nvfp4"));
        Assert.Equal("fp8 weights emulated in bf16 (no fp8 math on a100-sxm-80gb: dequantized)", Emulated("llama-3-8b", "a100-sxm-80gb", "fp8"));
        Assert.Equal("", Emulated("llama-3-8b", "b200", "nvfp4"));
        Assert.Equal("", Emulated("llama-3-8b", "h100-sxm", "int4"));   // weight-only INT4 is 16-bit math by design, not emulation
    }

    /// <summary>The native math formats of every built-in device (docs/formats.md, "Native math formats per device", with
    /// the vendor sources): FP8 on Hopper, Ada, Blackwell and CDNA3 (FNUZ) and CDNA4, FP4 on Blackwell and CDNA4 (MXFP4); the rest is emulated in
    /// the next wider format the device has.</summary>
    [Theory]
    [InlineData("a100-sxm-80gb", "bf16", "bf16")]
    [InlineData("a100-sxm-40gb", "bf16", "bf16")]
    [InlineData("h100-sxm", "", "fp8")]
    [InlineData("h100-pcie", "", "fp8")]
    [InlineData("h200-sxm", "", "fp8")]
    [InlineData("h800-sxm", "", "fp8")]
    [InlineData("gh200", "", "fp8")]
    [InlineData("l40s", "", "fp8")]
    [InlineData("b200", "", "")]
    [InlineData("gb200", "", "")]
    [InlineData("mi300x", "", "fp8")]
    [InlineData("mi325x", "", "fp8")]
    [InlineData("mi355x", "", "")]
    public void Each_device_computes_its_native_formats_and_emulates_the_rest(string device, string fp8EmulatedIn, string fp4EmulatedIn)
    {
        string Emulated(string weights) =>
            string.Join("; ", Models.Predictor("llama-3-8b", device, new Deployment(new ParallelLayout(1), Weights: weights), EfficiencyProfile.Find("default")).Predict(new Workload(1, 128, 256)).Emulated);
        Assert.Equal(fp8EmulatedIn == "" ? "" : $"fp8 weights emulated in {fp8EmulatedIn} (no fp8 math on {device}: dequantized)", Emulated("fp8"));
        Assert.Equal(fp4EmulatedIn == "" ? "" : $"fp4 weights emulated in {fp4EmulatedIn} (no fp4 math on {device}: dequantized)", Emulated("nvfp4"));
    }

    /// <summary>In a device file, null means "not measured", as everywhere in the format: a null fixed latency
    /// leaves the launch constant in place instead of making the kernel free.</summary>
    [Fact]
    public void A_null_fixed_latency_is_not_measured_rather_than_zero()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graphdsl-fixed-" + System.Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, "hw.json");
        System.IO.File.WriteAllText(path, "{\"devices\": [{\"id\": \"my-gpu\", \"memory_bytes\": 8e10, \"hbm_bandwidth_gbps\": 3000, "
            + "\"peak_tflops\": {\"bf16\": 900}, \"intra_node\": {\"unidirectional_gbps\": 400}, "
            + "\"measured\": {\"fixed_us\": {\"gemm\": {\"bf16\": 4.5, \"fp8\": null}}}}]}");
        try
        {
            var catalog = HardwareCatalog.BuiltIn();
            catalog.AddFile(path);
            var d = catalog.Find("my-gpu")!;
            Assert.Equal(4.5e-6, d.FixedLatencyFor("gemm", MathType.Bf16)!.Value, 12);
            Assert.Null(d.FixedLatencyFor("gemm", MathType.Fp8));
        }
        finally { System.IO.Directory.Delete(dir, true); }
    }

    private static double FixedOfFirst(string sample, string device, string weights, EfficiencyProfile profile, OpClass cls)
    {
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample(sample), new Deployment(new ParallelLayout(1), Weights: weights), "", diagnostics)!;
        var plan = compiled.DecodePlan;
        var details = new OpTiming[plan.Entries.Length];
        new StepEvaluator(plan, new Cluster(Models.Catalog.Find(device)!, 1, 1), profile).Evaluate(1, 1, 1024, details);
        int i = System.Array.FindIndex(plan.Entries, e => e.IsKernel && e.Class == cls);
        Assert.True(i >= 0, $"{sample}: no {cls} entry");
        return details[i].LaunchSeconds;
    }

    [Fact]
    public void A_measured_curve_interpolates_in_log_log_with_a_latency_floor_and_the_last_bandwidth_beyond()
    {
        var c = new MeasuredCurve(new[] { (1024.0, 3.2e-6), (1048576.0, 26.0e-6), (4194304.0, 51.9e-6) });
        Assert.Equal(3.2e-6, c.At(1), 12);
        Assert.Equal(3.2e-6, c.At(1024), 12);
        Assert.Equal(26.0e-6, c.At(1048576), 12);
        double mid = c.At(2097152);
        Assert.InRange(mid, 26.0e-6, 51.9e-6);
        Assert.Equal(System.Math.Sqrt(26.0e-6 * 51.9e-6), mid, 12); // halfway in log size is the geometric mean
        double slope = (51.9e-6 - 26.0e-6) / (4194304.0 - 1048576.0);
        Assert.Equal(51.9e-6 + 4194304.0 * slope, c.At(8388608), 12);
        double last = 0;
        foreach (var b in new[] { 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8 })
        {
            Assert.True(c.At(b) >= last);
            last = c.At(b);
        }
    }

    [Fact]
    public void The_trtllm_profile_times_an_all_reduce_from_the_faster_measured_implementation()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        var trt = EfficiencyProfile.Find("trtllm")!;
        var c = new Collectives(new Cluster(h100, 1, 8), trt, new ParallelLayout(8, 1, 1, 1));
        // 8x H100: TensorRT-LLM custom 3.2 us at 1 KiB (NCCL 15.6 us); NCCL 25.4 us at 1 MiB (custom 26.0 us).
        Assert.Equal(3.2e-6, c.Time(CollectiveKind.AllReduce, 1024, 8, "tp"), 12);
        Assert.Equal(25.4e-6, c.Time(CollectiveKind.AllReduce, 1048576, 8, "tp"), 12);
        // A 4 MiB all-reduce takes ~50 us, 2x the latency + bandwidth model at 80% of 450 GB/s.
        double ab = trt.CollectiveSeconds + 2 * 7.0 / 8 * 4194304 / (0.8 * 450e9);
        Assert.True(c.Time(CollectiveKind.AllReduce, 4194304, 8, "tp") > 1.9 * ab);
        // Roofline keeps the latency-free bandwidth model: never slower than a measurement.
        var roof = new Collectives(new Cluster(h100, 1, 8), EfficiencyProfile.Roofline, new ParallelLayout(8, 1, 1, 1));
        foreach (var bytes in new[] { 1024.0, 1048576, 16777216, 536870912 })
            Assert.True(roof.Time(CollectiveKind.AllReduce, bytes, 8, "tp") <= c.Time(CollectiveKind.AllReduce, bytes, 8, "tp"));
    }

    /// <summary>Inside a node the other collectives take NCCL's measured times too (hardware.json measured.all_gather,
    /// reduce_scatter, all_to_all: nccl-tests, NCCL 2.29.2 on 8x H100): small messages cost microseconds of latency that
    /// the bandwidth model with the profile's 3.5 us does not see; across nodes, and under roofline, the model stays.</summary>
    [Fact]
    public void Collectives_inside_a_node_take_the_measured_nccl_curves()
    {
        var h100 = Models.Catalog.Find("h100-sxm")!;
        var trt = EfficiencyProfile.Find("trtllm")!;
        var c = new Collectives(new Cluster(h100, 1, 8), trt, new ParallelLayout(1, 8, 8, 1));
        // The measured points (us): all-gather 8 KiB 10.6, reduce-scatter 1 MiB 14.6, all-to-all 1 KiB 7.1.
        Assert.Equal(10.6e-6, c.Time(CollectiveKind.AllGather, 8192, 8, "dp"), 12);
        Assert.Equal(14.6e-6, c.Time(CollectiveKind.ReduceScatter, 1048576, 8, "dp"), 12);
        Assert.Equal(7.1e-6, c.Time(CollectiveKind.AllToAll, 1024, 8, "ep"), 12);
        double model = trt.CollectiveSeconds + 7.0 / 8 * 8192 / (0.8 * 450e9);
        Assert.True(c.Time(CollectiveKind.AllGather, 8192, 8, "dp") > 2.5 * model);
        // An expert-parallel dispatch inside the node takes NCCL's all-to-all moving the same bytes per GPU.
        var (nvlink, network) = c.DispatchTraffic(16384, 8, 256, 32, 8);
        Assert.Equal(0, network);
        Assert.Equal(c.Time(CollectiveKind.AllToAll, nvlink * 8 / 7, 8, "ep"), c.Dispatch(16384, 8, 256, 32, 8), 12);
        // Across two nodes the latency and bandwidth model applies (no multi-node curve is measured).
        var two = new Collectives(new Cluster(h100, 2, 8), trt, new ParallelLayout(1, 16, 16, 1));
        Assert.Equal(trt.CollectiveSeconds + h100.Network.LatencySeconds + System.Math.Max(7.0 / 16 * 8192 / (0.8 * 450e9), 8.0 / 16 * 8192 / (0.8 * h100.Network.BytesPerSecond)),
            two.Time(CollectiveKind.AllToAll, 8192, 16, "ep"), 12);
        // Roofline never takes a measurement: it stays a physical limit.
        var roof = new Collectives(new Cluster(h100, 1, 8), EfficiencyProfile.Roofline, new ParallelLayout(1, 8, 8, 1));
        foreach (var kind in new[] { CollectiveKind.AllGather, CollectiveKind.ReduceScatter, CollectiveKind.AllToAll })
            foreach (var bytes in new[] { 1024.0, 1048576, 536870912 })
                Assert.True(roof.Time(kind, bytes, 8, "dp") <= c.Time(kind, bytes, 8, "dp"), $"{kind} {bytes}");
    }

    /// <summary>SGLang's decode dispatch and combine run on DeepEP's low-latency kernels, timed by their measured curves
    /// (hardware.json measured.ep_dispatch / ep_combine, AIConfigurator's wideep_deepep_ll tables on H200): a token-expert
    /// copy is 16 bits x hidden, so 2 DeepSeek-V3 tokens per rank (x top-8 x 7168 x 2 B = 229,376 B) over 16 GPUs on two
    /// nodes take the measured 22.6 us and 25.9 us; 32 GPUs take the 32-GPU curve, 24 GPUs blend 16 and 32 geometrically
    /// (weight ln(24/16) / ln(32/16)), 72 GPUs take the 64-GPU curve. Other profiles keep the link model (prefill takes
    /// DeepEP's normal kernels, DeepEpNormalTests).</summary>
    [Fact]
    public void Sglang_decode_dispatch_takes_the_measured_deepep_low_latency_curves()
    {
        var h200 = Models.Catalog.Find("h200-sxm")!;
        var sglang = EfficiencyProfile.Find("sglang")!;
        var c = new Collectives(new Cluster(h200, 2, 8), sglang, new ParallelLayout(1, 16, 16, 1));
        double twoTokens = 2 * 8 * 7168 * 2;
        Assert.Equal(22.6e-6, c.LowLatencyExchange(false, twoTokens, 16)!.Value, 12);
        Assert.Equal(25.9e-6, c.LowLatencyExchange(true, twoTokens, 16)!.Value, 12);
        Assert.Equal(28.4e-6, c.LowLatencyExchange(true, twoTokens, 32)!.Value, 12);
        double w = System.Math.Log(24.0 / 16) / System.Math.Log(32.0 / 16);
        Assert.Equal(System.Math.Pow(25.9e-6, 1 - w) * System.Math.Pow(28.4e-6, w), c.LowLatencyExchange(true, twoTokens, 24)!.Value, 12);
        Assert.Equal(30.8e-6, c.LowLatencyExchange(true, twoTokens, 72)!.Value, 12);
        // Between measured token counts the curve interpolates in log-log: more tokens never take less time here.
        double t64 = c.LowLatencyExchange(false, 64 * 8 * 7168 * 2, 16)!.Value, t96 = c.LowLatencyExchange(false, 96 * 8 * 7168 * 2, 16)!.Value;
        Assert.Equal(58.1e-6, t64, 12);
        Assert.True(t96 > t64 && t96 < c.LowLatencyExchange(false, 128 * 8 * 7168 * 2, 16)!.Value);
        // The default profile (TensorRT-LLM's constants) has no such kernels; nor does a device without measurements.
        Assert.Null(new Collectives(new Cluster(h200, 2, 8), EfficiencyProfile.Find("default")!, new ParallelLayout(1, 16, 16, 1)).LowLatencyExchange(false, twoTokens, 16));
        Assert.Null(new Collectives(new Cluster(Models.Catalog.Find("mi300x")!, 2, 8), sglang, new ParallelLayout(1, 16, 16, 1)).LowLatencyExchange(false, twoTokens, 16));
    }

    /// <summary>The whole decode step: DeepSeek-V3 on 16 H200s (attention DP16, EP16 with 32 redundant slots), 2 sequences
    /// per rank as in SGLang's MTP blog, prices each MoE layer's dispatch + combine at least at DeepEP's measured 48.5 us
    /// (the busiest rank sends a little more).</summary>
    [Fact]
    public void A_deepseek_decode_step_on_sglang_pays_the_measured_deepep_latency_per_moe_layer()
    {
        var h200 = Models.Catalog.Find("h200-sxm")!;
        var layout = new ParallelLayout(1, 16, 16, 1) { Redundant = 32 };
        var compiled = CompiledDeployment.Compile(Models.Sample("deepseek-v3"), new Deployment(layout, "fp8"),
            GraphDsl.Passes.Core.Pipeline.Empty, new GraphDsl.Ir.Diagnostics.DiagnosticBag())!;
        var cluster = new Cluster(h200, 2, 8);
        double AllToAll(EfficiencyProfile p)
        {
            var plan = compiled.DecodePlan;
            var details = new OpTiming[plan.Entries.Length];
            new StepEvaluator(plan, cluster, p).Evaluate(2, 1, 67584, details);
            return plan.Entries.Select((e, i) => e.Collective == CollectiveKind.AllToAll ? details[i].CommSeconds * e.Multiplicity : 0).Sum();
        }
        double sglang = AllToAll(EfficiencyProfile.Find("sglang")!);
        Assert.InRange(sglang, 58 * 48.5e-6, 58 * 48.5e-6 * 1.3);
        Assert.True(sglang > 1.5 * AllToAll(EfficiencyProfile.Find("default")!));
    }

    [Fact]
    public void A_free_memory_kv_pool_takes_its_share_of_what_the_weights_leave()
    {
        var h200 = Models.Catalog.Find("h200-sxm")!;
        var trt = EfficiencyProfile.Find("trtllm")!;
        var vllmLike = EfficiencyProfile.Find("default")!;
        double capacity = h200.MemoryBytes, weights = 70e9, workspace = 1e9;
        Assert.Equal(0.1 * (capacity - weights - workspace), MemoryPlan.Reserve(capacity, weights, workspace, trt), 3);
        Assert.Equal(0.1 * capacity, MemoryPlan.Reserve(capacity, weights, workspace, vllmLike), 3);
        Assert.Equal(0, MemoryPlan.Reserve(capacity, 2 * capacity, workspace, trt));
        // A heavy model keeps more KV room with TensorRT-LLM's accounting.
        var a = Models.Predictor("llama-3-70b", "h200-sxm", new Deployment(new ParallelLayout(1), Weights: "fp8"), trt).Predict(new Workload(8, 1000, 2000), details: false);
        var b = Models.Predictor("llama-3-70b", "h200-sxm", new Deployment(new ParallelLayout(1), Weights: "fp8"), vllmLike).Predict(new Workload(8, 1000, 2000), details: false);
        Assert.True(a.MaxBatch > b.MaxBatch);
    }

    [Fact]
    public void Measured_fractions_never_make_a_prediction_beat_the_roofline()
    {
        foreach (var (sample, device, weights) in new[] { ("llama-3-8b", "h100-sxm", "fp8"), ("llama-3-8b", "a100-sxm-80gb", "bf16"), ("qwen3-30b-a3b", "b200", "nvfp4"), ("llama-3-8b", "l40s", "fp8") })
        {
            var d = new Deployment(new ParallelLayout(1), Weights: weights);
            var roof = Models.Predictor(sample, device, d, EfficiencyProfile.Roofline);
            var real = Models.Predictor(sample, device, d, EfficiencyProfile.Find("trtllm")!);
            foreach (var (b, ctx) in new[] { (1, 1024), (64, 2048), (512, 4096) })
            {
                Assert.True(real.TpotSeconds(b, ctx) >= roof.TpotSeconds(b, ctx), $"{sample} {device} decode b={b}");
                Assert.True(real.BatchPrefillSeconds(b, 1024) >= roof.BatchPrefillSeconds(b, 1024), $"{sample} {device} prefill b={b}");
            }
        }
    }
}
