using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Ir.Ops;

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
        Assert.Equal(0.791, h100.GemmFractionFor("bf16"));
        Assert.Equal(0.628, h100.GemmFractionFor("fp8"));
        Assert.Equal(0.791, h100.GemmFractionFor("f16"));   // same tensor cores as bf16
        Assert.Equal(0.791, h100.GemmFractionFor("int8"));  // weight-only: 16-bit math
        Assert.Equal(0.843, h100.HbmFraction);
        // FP8 GEMMs reach a smaller share of their (twice as high) peak than BF16 ones.
        Assert.True(StepEvaluator.MeasuredGemmFraction(h100, "fp8") < StepEvaluator.MeasuredGemmFraction(h100, "bf16"));
        // No FP4 math on Hopper: FP4 weights run FP8 math at FP8's fraction.
        Assert.Equal(0.628, StepEvaluator.MeasuredGemmFraction(h100, "fp4"));
        // The L40S has no usable weight-streaming measurement: the catalog's median of the measured devices.
        var l40s = Models.Catalog.Find("l40s")!;
        Assert.Equal(0.83, l40s.HbmFraction);
        Assert.Equal(0.491, l40s.GemmFractionFor("fp8"));
        var mi300x = Models.Catalog.Find("mi300x")!;
        Assert.Equal(0.791, mi300x.GemmFractionFor("bf16"));
        Assert.Equal(0.574, mi300x.GemmFractionFor("fp8"));
    }

    /// <summary>TensorRT-LLM's kernels have a fixed cost that does not scale with bytes (AIConfigurator's kernel
    /// database, tools/KernelFit): a one-row FP8 Linear layer takes ~14 us on an H100 beyond its weight bytes
    /// (activation quantization included), a BF16 one ~4 us, a fused MoE layer ~29 us. The profiles that
    /// model TensorRT-LLM use them; other engines keep their launch constant.</summary>
    [Fact]
    public void Gemm_and_moe_kernels_take_the_measured_fixed_latency_of_their_format()
    {
        var trt = EfficiencyProfile.Find("trtllm")!;
        Assert.Equal(13.6e-6, FixedOfFirst("llama-3-8b", "h100-sxm", "fp8", trt, OpClass.Gemm), 12);
        Assert.Equal(4.3e-6, FixedOfFirst("llama-3-8b", "h100-sxm", "bf16", trt, OpClass.Gemm), 12);
        Assert.Equal(28.5e-6, FixedOfFirst("qwen3-30b-a3b", "h100-sxm", "fp8", trt, OpClass.GroupedGemm), 12);
        Assert.Equal(38.6e-6, FixedOfFirst("qwen3-30b-a3b", "b200", "nvfp4", trt, OpClass.GroupedGemm), 12);
        // FP8 weights on an A100 (no FP8 math) run dequantizing kernels nobody measured: the launch constant.
        Assert.Equal(trt.KernelSeconds, FixedOfFirst("llama-3-8b", "a100-sxm-80gb", "fp8", trt, OpClass.Gemm), 12);
        // An engine without the measurement keeps its own constant.
        var gptFast = EfficiencyProfile.Find("gpt-fast")!;
        Assert.Equal(gptFast.KernelSeconds, FixedOfFirst("llama-3-8b", "h100-sxm", "fp8", gptFast, OpClass.Gemm), 12);
        // A device without a measurement (MI300X) also keeps the launch constant.
        Assert.Equal(trt.KernelSeconds, FixedOfFirst("llama-3-8b", "mi300x", "fp8", trt, OpClass.Gemm), 12);
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
            Assert.Equal(4.5e-6, d.FixedLatencyFor("gemm", "bf16")!.Value, 12);
            Assert.Null(d.FixedLatencyFor("gemm", "fp8"));
        }
        finally { System.IO.Directory.Delete(dir, true); }
    }

    private static double FixedOfFirst(string sample, string device, string weights, EfficiencyProfile profile, OpClass cls)
    {
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample(sample), new Deployment(1, Weights: weights), "", diagnostics)!;
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
        var c = new Collectives(new Cluster(h100, 1, 8), trt, new Layout(8, 1, 1, 1));
        // 8x H100: TensorRT-LLM custom 3.2 us at 1 KiB (NCCL 15.6 us); NCCL 25.4 us at 1 MiB (custom 26.0 us).
        Assert.Equal(3.2e-6, c.Time(CollectiveKind.AllReduce, 1024, 8, "tp"), 12);
        Assert.Equal(25.4e-6, c.Time(CollectiveKind.AllReduce, 1048576, 8, "tp"), 12);
        // A 4 MiB all-reduce takes ~50 us, 2x the latency + bandwidth model at 80% of 450 GB/s.
        double ab = trt.CollectiveSeconds + 2 * 7.0 / 8 * 4194304 / (0.8 * 450e9);
        Assert.True(c.Time(CollectiveKind.AllReduce, 4194304, 8, "tp") > 1.9 * ab);
        // Roofline keeps the latency-free bandwidth model: never slower than a measurement.
        var roof = new Collectives(new Cluster(h100, 1, 8), EfficiencyProfile.Roofline, new Layout(8, 1, 1, 1));
        foreach (var bytes in new[] { 1024.0, 1048576, 16777216, 536870912 })
            Assert.True(roof.Time(CollectiveKind.AllReduce, bytes, 8, "tp") <= c.Time(CollectiveKind.AllReduce, bytes, 8, "tp"));
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
        var a = Models.Predictor("llama-3-70b", "h200-sxm", new Deployment(1, Weights: "fp8"), trt).Predict(new Workload(8, 1000, 2000), details: false);
        var b = Models.Predictor("llama-3-70b", "h200-sxm", new Deployment(1, Weights: "fp8"), vllmLike).Predict(new Workload(8, 1000, 2000), details: false);
        Assert.True(a.MaxBatch > b.MaxBatch);
    }

    [Fact]
    public void Measured_fractions_never_make_a_prediction_beat_the_roofline()
    {
        foreach (var (sample, device, weights) in new[] { ("llama-3-8b", "h100-sxm", "fp8"), ("llama-3-8b", "a100-sxm-80gb", "bf16"), ("qwen3-30b-a3b", "b200", "nvfp4"), ("llama-3-8b", "l40s", "fp8") })
        {
            var d = new Deployment(1, Weights: weights);
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
