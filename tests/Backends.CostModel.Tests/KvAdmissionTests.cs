using System;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The engine's KV admission (profiles.json <c>admission</c>) sizes the largest batch: on demand (vLLM, SGLang) a sequence
/// takes the cache it holds, under no-evict (TensorRT-LLM's GUARANTEED_NO_EVICT) the prompt + output it reserved on
/// admission. The oracle is Llama-3-70B's published KV footprint, 327,680 bytes per token in bf16, 40,960 per GPU at TP8
/// (measurements.md), and the room the memory plan leaves after weights, workspace and reserve.
/// </summary>
public class KvAdmissionTests
{
    private const double KvBytesPerTokenPerGpu = 40960;
    private const long Prompt = 1024, Output = 7168, Context = 4096;

    private static EfficiencyProfile Default(KvAdmission admission) => EfficiencyProfile.Find("default")! with { Admission = admission };

    [Theory]
    [InlineData(KvAdmission.OnDemand, 4096, 1024, 7168, 4096)]
    [InlineData(KvAdmission.NoEvict, 4096, 1024, 7168, 8192)]   // the whole generation is reserved from the start
    [InlineData(KvAdmission.NoEvict, 9000, 1024, 7168, 9000)]   // never less than what the sequence holds
    [InlineData(KvAdmission.NoEvict, 4096, 1024, 0, 4096)]      // no output given: the full length is unknown
    public void A_sequence_takes_what_it_holds_or_what_it_reserved(KvAdmission admission, double held, long prompt, long output, double expected) =>
        Assert.Equal(expected, admission.TokensPerSequence(held, prompt, output));

    [Theory]
    [InlineData(KvAdmission.OnDemand, Context)]
    [InlineData(KvAdmission.NoEvict, Prompt + Output)]
    public void The_largest_batch_is_the_room_over_each_sequences_cache(KvAdmission admission, long tokensPerSequence)
    {
        var predictor = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(8)), Default(admission));
        // 8 prompts of 1,024 fill the 8,192-token prefill chunk: the workspace is the same at any larger batch.
        var p = predictor.Predict(new Workload(8, Prompt, Context, Output), details: false);
        double room = p.Memory.CapacityBytes - p.Memory.ReserveBytes - p.Memory.WeightBytes - p.Memory.ActivationBytes;
        long expected = (long)Math.Floor(room / (KvBytesPerTokenPerGpu * tokensPerSequence));
        Assert.Equal(expected, p.MaxBatch);
        Assert.Equal(admission, p.Admission);
        Assert.Equal(tokensPerSequence, p.AdmissionTokensPerSequence);
        // The memory at the step priced is the same under both: admission sizes the batch, not the cache of this one.
        Assert.Equal(KvBytesPerTokenPerGpu * Context * 8, p.Memory.KvBytes, 0);
    }

    [Fact]
    public void The_engine_profiles_declare_their_admission()
    {
        Assert.Equal(KvAdmission.NoEvict, EfficiencyProfile.Find("trtllm")!.Admission);
        Assert.Equal(KvAdmission.NoEvict, EfficiencyProfile.Find("gpt-fast")!.Admission);
        Assert.Equal(KvAdmission.NoEvict, EfficiencyProfile.Find("fastertransformer")!.Admission);
        foreach (var onDemand in new[] { "default", "vllm", "sglang", "vllm-rocm", "roofline" })
            Assert.Equal(KvAdmission.OnDemand, EfficiencyProfile.Find(onDemand)!.Admission);
    }

    /// <summary>A max-throughput row (batch chosen by the engine) runs the largest batch the cache admits: its mean length
    /// (prompt + output / 2) on demand, its full length under no-evict.</summary>
    [Theory]
    [InlineData(KvAdmission.OnDemand, Prompt + Output / 2)]
    [InlineData(KvAdmission.NoEvict, Prompt + Output)]
    public void Validation_runs_an_engine_chosen_batch_at_what_the_cache_admits(KvAdmission admission, long tokensPerSequence)
    {
        var profile = Default(admission);
        var row = new Measurement("X01", "llama-3-70b", "h100-sxm", 8, 1, 8, 1, 1, 1, "bf16", "bf16", null, Prompt, Output,
            "output_tokens_per_s", 1000, "tokens/s", "an engine", "V", "https://example.org", "");
        var result = new Validator(Models.Sample, Models.Catalog).Predict(row, profile);
        Assert.True(result.Predicted is not null, result.Skipped);

        var predictor = Models.Predictor("llama-3-70b", "h100-sxm", new Deployment(new ParallelLayout(8), "bf16", "bf16"), profile);
        var one = predictor.Memory(1, tokensPerSequence, Prompt);
        double room = one.CapacityBytes - one.ReserveBytes - one.WeightBytes - one.ActivationBytes;
        double batch = Math.Floor(room / (KvBytesPerTokenPerGpu * tokensPerSequence));
        // That bound sizes the workspace for one sequence's prefill chunk; a larger batch runs a larger chunk (up to
        // max_batched_tokens), so the batch the cache admits is the largest whose memory plan, at its own size, fits.
        while (!predictor.Memory(batch, tokensPerSequence, Prompt).Feasible) batch--;
        Assert.False(predictor.Memory(batch + 1, tokensPerSequence, Prompt).Feasible);
        Assert.InRange(batch, 1, Validator.EngineBatchCap - 1);
        double mid = Prompt + Output / 2.0;
        double expected = batch * Output / (predictor.BatchPrefillSeconds(batch, Prompt) + Output * predictor.TpotSeconds(batch, mid));
        Assert.Equal(expected, result.Predicted!.Value, expected * 1e-12);
    }
}
