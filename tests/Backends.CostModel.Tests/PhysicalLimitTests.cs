using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Analysis;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Predictions must respect physics: no faster than the bytes or FLOPs allow, never faster with
/// more context or more batch, and an impossible deployment is reported with the reason.</summary>
public class PhysicalLimitTests
{
    public static TheoryData<string, string, int> DenseCases() => new()
    {
        { "llama-3-8b", "h100-sxm", 1 }, { "llama-3-70b", "h200-sxm", 8 }, { "llama-2-70b", "a100-sxm-80gb", 4 }, { "llama-3-8b", "mi300x", 1 },
    };

    /// <summary>Dense decode streams every weight of the GPU's shard each step (the input embedding
    /// excepted: only the looked-up rows are read): TPOT >= those bytes and the KV cache / HBM bandwidth.</summary>
    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Decode_never_beats_streaming_the_weights(string sample, string device, int tp)
    {
        var stats = ModelStats.Compute(Models.Sample(sample));
        double embeddingBytesPerGpu = stats.EmbeddingParams * 2 / tp;
        foreach (var profile in new[] { EfficiencyProfile.Roofline, EfficiencyProfile.Find("default")! })
        {
            var p = Models.Predictor(sample, device, new Deployment(new ParallelLayout(tp)), profile);
            var pred = p.Predict(new Workload(1, 128, 1024), details: false);
            var dev = Models.Catalog.Find(device)!;
            double floor = (pred.Memory.WeightBytes - embeddingBytesPerGpu + pred.Memory.KvBytes) / dev.HbmBytesPerSecond;
            Assert.True(pred.Decode.Milliseconds / 1e3 >= floor * 0.999, $"{sample} on {tp}x{device}: TPOT {pred.Decode.Milliseconds} ms below the floor {floor * 1e3} ms");
        }
    }

    /// <summary>Prefill does at least 2 x active parameters FLOPs per token, split over the TP GPUs: TTFT >= that / peak.</summary>
    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Prefill_never_beats_the_compute_peak(string sample, string device, int tp)
    {
        var stats = ModelStats.Compute(Models.Sample(sample));
        var p = Models.Predictor(sample, device, new Deployment(new ParallelLayout(tp)), EfficiencyProfile.Roofline);
        const long tokens = 4096;
        var ttft = p.BatchPrefillSeconds(1, tokens);
        double peak = Models.Catalog.Find(device)!.Peak(GraphDsl.Ir.Types.MathType.Bf16)!.Value;
        double floor = 2 * stats.ActiveParamsExcludingEmbedding * tokens / tp / peak;
        Assert.True(ttft >= floor * 0.99, $"TTFT {ttft} s below {floor} s");
    }

    [Theory]
    [InlineData("llama-3-8b", "h100-sxm", 1, 1, 1)]
    [InlineData("mixtral-8x7b", "h100-sxm", 2, 2, 1)]
    [InlineData("deepseek-v3", "h200-sxm", 1, 8, 8)]
    [InlineData("gpt-oss-120b", "h100-sxm", 2, 1, 1)]
    [InlineData("qwen3-235b-a22b", "h200-sxm", 4, 4, 2)]
    public void More_context_or_batch_never_speeds_a_decode_step(string sample, string device, int tp, int ep, int dp)
    {
        var p = Models.Predictor(sample, device, new Deployment(new ParallelLayout(tp, ep, dp, 1), "fp8"));
        double last = 0;
        foreach (var ctx in new[] { 128, 1024, 4096, 32768, 131072 })
        {
            var t = p.TpotSeconds(4, ctx);
            Assert.True(t >= last, $"context {ctx}: {t} < {last}");
            last = t;
        }
        last = 0;
        foreach (var b in new[] { 1, 2, 8, 32, 128, 512 })
        {
            var t = p.TpotSeconds(b, 2048);
            Assert.True(t >= last, $"batch {b}: {t} < {last}");
            last = t;
        }
    }

    [Fact]
    public void A_model_too_large_for_the_gpus_is_infeasible_with_the_reason()
    {
        var pred = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(1))).Predict(new Workload(1, 128, 1024), details: false);
        Assert.False(pred.Feasible);
        Assert.Equal(0, pred.MaxBatch);
        Assert.Contains("weights alone", Assert.Single(pred.Reasons));
    }

    [Fact]
    public void A_kv_cache_too_large_for_the_batch_is_infeasible_and_names_the_largest_batch()
    {
        var p = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(8)));
        var fits = p.Predict(new Workload(8, 1024, 8192), details: false);
        Assert.True(fits.Feasible);
        var tooMany = p.Predict(new Workload(fits.MaxBatch + 8, 1024, 8192), details: false);
        Assert.False(tooMany.Feasible);
        Assert.Contains($"at most {fits.MaxBatch} sequence(s) fit", Assert.Single(tooMany.Reasons));
        // Llama-3-70B bf16 KV: 327,680 B/token in all, 40,960 per GPU at TP8 (measurements.md).
        Assert.Equal(40960.0 * 8192, fits.Memory.KvBytesPerSequence, 0);
    }

    [Fact]
    public void Fp8_weights_and_kv_fit_more_batch_and_decode_faster()
    {
        var bf16 = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(4))).Predict(new Workload(16, 1024, 8192), details: false);
        var fp8 = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(4), Weights: "fp8", Kv: "fp8")).Predict(new Workload(16, 1024, 8192), details: false);
        Assert.True(fp8.MaxBatch > bf16.MaxBatch * 1.5);
        Assert.True(fp8.Decode.Milliseconds < bf16.Decode.Milliseconds);
        Assert.True(fp8.Memory.WeightBytes < bf16.Memory.WeightBytes * 0.55);
    }

    [Fact]
    public void Moe_decode_touches_fewer_experts_at_small_batch()
    {
        // DeepSeek-V3 (E 256, k 8): B=1 touches 8 experts, B=128 almost all (measurements.md).
        var p = Models.Predictor("deepseek-v3", "h200-sxm", new Deployment(new ParallelLayout(8), Weights: "fp8"), EfficiencyProfile.Roofline);
        var t1 = p.TpotSeconds(1, 1024);
        var t128 = p.TpotSeconds(128, 1024);
        Assert.True(t128 > 3 * t1, $"{t128} vs {t1}: streaming ~all experts at B=128 must cost far more than 8 at B=1");
    }
}
