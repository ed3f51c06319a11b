using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Skewed expert popularity (AIConfigurator's power-law workload) and the fused-MoE time law: the busiest
/// expert-parallel GPU carries more than the mean, by an amount checked against sampling, and a fused MoE kernel's
/// streaming and math add up.</summary>
public class RoutingSkewTests
{
    [Fact]
    public void The_expected_maximum_of_normals_matches_its_tabulated_values()
    {
        // Tabulated E[max of n standard normals] (Harter 1961): n = 2: 0.5642, 8: 1.4236, 32: 2.0697.
        Assert.Equal(0, RoutingSkew.ExpectedMaxOfNormals(1));
        Assert.Equal(0.5642, RoutingSkew.ExpectedMaxOfNormals(2), 3);
        Assert.Equal(1.4236, RoutingSkew.ExpectedMaxOfNormals(8), 3);
        Assert.Equal(2.0697, RoutingSkew.ExpectedMaxOfNormals(32), 3);
        Assert.Equal(0.975, RoutingSkew.NormalCdf(1.959964), 6);
    }

    [Fact]
    public void Popularity_dispersion_has_the_truncated_power_law_moments()
    {
        // alpha -> 1 on [1, b] is log-uniform: mean (b - 1) / ln b, mean square (b^2 - 1) / (2 ln b).
        double b = 0.8 * 1024, mean = (b - 1) / System.Math.Log(b), square = (b * b - 1) / (2 * System.Math.Log(b));
        double cv = System.Math.Sqrt(square / (mean * mean) - 1);
        Assert.Equal(cv, RoutingSkew.PopularityCv(1.0, 1024, 8, 256), 6);
        Assert.Equal(cv, RoutingSkew.PopularityCv(1.0 + 1e-7, 1024, 8, 256), 4);
        Assert.Equal(0, RoutingSkew.PopularityCv(0, 1024, 8, 256));
        // More skew, more spread; and a few tokens over many experts draw from AIConfigurator's [0.01, 2].
        Assert.True(RoutingSkew.PopularityCv(1.2, 1024, 8, 256) > RoutingSkew.PopularityCv(1.01, 1024, 8, 256));
        Assert.True(RoutingSkew.PopularityCv(1.01, 4, 8, 256) > 0);
    }

    /// <summary>The closed form against AIConfigurator's generator, sampled (200 draws of its truncated power law,
    /// scaled to T x top_k, the busiest of the GPUs' sums): DeepSeek-V3's 256 experts over 8 GPUs at 1,024 tokens
    /// give 1.42x the mean at alpha 1.01 and 1.56x at 1.2; over 32 GPUs, 2.37x at 1.01.</summary>
    [Theory]
    [InlineData(1024, 8, 1.01, 1.42)]
    [InlineData(1024, 8, 1.2, 1.56)]
    [InlineData(3072, 8, 1.01, 1.45)]
    [InlineData(1024, 32, 1.01, 2.37)]
    public void The_busiest_gpu_matches_sampling_of_the_power_law_within_ten_percent(double tokens, int ep, double alpha, double sampled)
    {
        double mean = tokens * 8 / ep;
        double busiest = RoutingSkew.BusiestPairs(tokens, 8, 256, 256 / ep, alpha, RoutingSkew.ExpectedMaxOfNormals(ep));
        Assert.InRange(busiest / mean, sampled * 0.9, sampled * 1.1);
    }

    [Fact]
    public void No_gpu_takes_more_than_every_token_on_each_of_its_experts_nor_more_than_all_pairs()
    {
        // Mixtral over 8 GPUs, one expert each: at most T pairs per GPU (4x the mean of T x 2 / 8); sampling the
        // power law at alpha 1.2 gives 3.65x the mean.
        foreach (var alpha in new[] { 0.0, 1.01, 1.2, 2.0, 5.0 })
            Assert.InRange(RoutingSkew.BusiestPairs(1024, 2, 8, 1, alpha, RoutingSkew.ExpectedMaxOfNormals(8)), 256, 1024);
        Assert.InRange(RoutingSkew.BusiestPairs(1024, 2, 8, 1, 1.2, RoutingSkew.ExpectedMaxOfNormals(8)) / 256, 3.65 * 0.9, 3.65 * 1.1);
        // Without expert parallelism the one GPU carries exactly all pairs, skew or not.
        Assert.Equal(1024 * 8, RoutingSkew.BusiestPairs(1024, 8, 256, 256, 1.2, 0), 6);
        // Uniform routing keeps only the binomial spread.
        double uniform = RoutingSkew.BusiestPairs(1024, 8, 256, 32, 0, RoutingSkew.ExpectedMaxOfNormals(8));
        Assert.Equal(1024 + 1.4236 * System.Math.Sqrt(8192 * 0.125 * 0.875), uniform, 1);
    }

    [Fact]
    public void Skew_slows_expert_parallel_decode_and_uniform_routing_is_the_zero_exponent()
    {
        var trt = EfficiencyProfile.Find("trtllm")!;
        var d = new Deployment(new ParallelLayout(1, 8, 8), Weights: "fp8");
        var skewed = Models.Predictor("deepseek-v3", "h200-sxm", d, trt);
        var uniform = Models.Predictor("deepseek-v3", "h200-sxm", d, trt with { RoutingSkew = 0 });
        // 4% here: the busiest GPU's extra copies cost their row work; their math runs under its weight streaming (TensorRT-LLM's
        // grouped GEMMs, docs/cost-model.md), where the serial law added it (5-6%).
        Assert.True(skewed.TpotSeconds(128, 2048) > 1.03 * uniform.TpotSeconds(128, 2048), $"skewed / uniform {skewed.TpotSeconds(128, 2048) / uniform.TpotSeconds(128, 2048):F4}");
        // More skew is never faster.
        var heavy = Models.Predictor("deepseek-v3", "h200-sxm", d, trt with { RoutingSkew = 1.5 });
        Assert.True(heavy.TpotSeconds(128, 2048) >= skewed.TpotSeconds(128, 2048));
        // Without expert parallelism each GPU serves every expert: skew changes nothing.
        var tp = new Deployment(new ParallelLayout(8), Weights: "fp8");
        Assert.Equal(Models.Predictor("qwen3-235b-a22b", "h200-sxm", tp, trt with { RoutingSkew = 0 }).TpotSeconds(64, 2048),
            Models.Predictor("qwen3-235b-a22b", "h200-sxm", tp, trt).TpotSeconds(64, 2048), 12);
        Assert.Equal("power-law 1.01", skewed.Predict(new Workload(64, 1024, 2048), details: false).Routing);
        Assert.Equal("uniform", uniform.Predict(new Workload(64, 1024, 2048), details: false).Routing);
        Assert.Equal("", Models.Predictor("llama-3-8b", "h100-sxm", new Deployment(new ParallelLayout(1)), trt).Predict(new Workload(1, 128, 256), details: false).Routing);
    }

    /// <summary>AIConfigurator's kernel database: a fused MoE layer's time is closer to streaming plus math than to
    /// the larger of the two (median error 12.8-16.5% against 13.7-19.3% on balanced rows of BF16/FP8 on H100, H200
    /// and B200; docs/cost-model.md), except that TensorRT-LLM's warp-specialized grouped GEMMs stream the experts' weights
    /// under their math: only the activations' traffic and the row work add. vLLM's kernels keep the sum. The roofline keeps
    /// the overlapped bound.</summary>
    [Fact]
    public void A_fused_moe_kernel_adds_its_streaming_and_its_math()
    {
        var trt = EfficiencyProfile.Find("trtllm")!;
        var compiled = CompiledDeployment.Compile(Models.Sample("qwen3-30b-a3b"), new Deployment(new ParallelLayout(1), Weights: "fp8"), "", new GraphDsl.Ir.Diagnostics.DiagnosticBag())!;
        var plan = compiled.DecodePlan;
        int moe = System.Array.FindIndex(plan.Entries, e => e.IsMoe);
        var cluster = new Cluster(Models.Catalog.Find("h100-sxm")!, 1, 1);
        var serial = new OpTiming[plan.Entries.Length];
        var underMath = new OpTiming[plan.Entries.Length];
        var overlapped = new OpTiming[plan.Entries.Length];
        new StepEvaluator(plan, cluster, EfficiencyProfile.Find("vllm")!).Evaluate(512, 1, 2048, serial);
        new StepEvaluator(plan, cluster, trt).Evaluate(512, 1, 2048, underMath);
        new StepEvaluator(plan, cluster, trt with { MoeSerialWork = false }).Evaluate(512, 1, 2048, overlapped);
        var t = serial[moe];
        Assert.Equal(t.ComputeSeconds + t.MemorySeconds + t.LaunchSeconds, t.Seconds, 12);
        // TensorRT-LLM's: between the larger of the two and their sum (its weights' share of the streaming hidden).
        var u = underMath[moe];
        Assert.InRange(u.Seconds - u.LaunchSeconds, System.Math.Max(u.ComputeSeconds, u.MemorySeconds), u.ComputeSeconds + u.MemorySeconds);
        Assert.True(u.Seconds < u.ComputeSeconds + u.MemorySeconds + u.LaunchSeconds - 1e-6);
        // Without moe_serial_work the larger of the two (and no measured per-row work: it was fitted with the sum).
        var o = overlapped[moe];
        Assert.Equal(System.Math.Max(o.ComputeSeconds, o.MemorySeconds) + o.LaunchSeconds, o.Seconds, 12);
        Assert.True(u.Seconds > o.Seconds);
        Assert.False(EfficiencyProfile.Roofline.MoeSerialWork);
        Assert.Equal(0, EfficiencyProfile.Roofline.RoutingSkew);
        // Dense GEMMs keep the overlapped law.
        int gemm = System.Array.FindIndex(plan.Entries, e => e.IsKernel && e.Class == OpClass.Gemm);
        Assert.Equal(System.Math.Max(underMath[gemm].ComputeSeconds, underMath[gemm].MemorySeconds) + underMath[gemm].LaunchSeconds, underMath[gemm].Seconds, 12);
    }
}
