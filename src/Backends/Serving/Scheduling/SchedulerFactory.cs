using System;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Backends.Serving.Scheduling;

/// <summary>Makes the scheduler a spec names, with its defaults: static takes every waiting request that fits;
/// continuous 256 sequences (vLLM's max_num_seqs) and the profile's max_batched_tokens per step; chunked a budget of 2,048
/// tokens (vLLM V1's max_num_batched_tokens for its OpenAI server) and at most 256 sequences, or the budget if smaller.</summary>
public static class SchedulerFactory
{
    public const long DefaultMaxBatch = 256;
    public const long DefaultChunkBudget = 2048;

    public static IScheduler Create(SchedulerSpec spec, EfficiencyProfile eff) => spec.Kind switch
    {
        SchedulerKind.Static => new StaticScheduler(spec.MaxBatch ?? SchedulerSpec.MaxLimit),
        SchedulerKind.Continuous => new ContinuousScheduler(spec.MaxBatch ?? DefaultMaxBatch, spec.MaxTokens ?? Math.Max(1, (long)eff.MaxBatchedTokens)),
        SchedulerKind.Chunked => Chunked(spec),
        _ => throw new ArgumentException($"{spec} runs several engines (DisaggregatedSimulation, ColocatedSimulation), not one scheduler"),
    };

    /// <summary>A prefill instance's (or stream's) scheduler: whole prompts batched up to max_tokens per step (the profile's
    /// max_batched_tokens by default; a longer prompt runs alone), as DistServe's prefill instances batch them; nothing decodes
    /// there, so this is continuous batching whose requests all leave after their prefill.</summary>
    public static IScheduler PrefillInstance(SchedulerSpec spec, EfficiencyProfile eff) =>
        new ContinuousScheduler(SchedulerSpec.MaxLimit, spec.MaxTokens ?? Math.Max(1, (long)eff.MaxBatchedTokens));

    /// <summary>A decode instance's (or stream's) scheduler: at most max_batch sequences (256 by default, vLLM's max_num_seqs).</summary>
    public static IScheduler DecodeInstance(SchedulerSpec spec) => new DecodeInstanceScheduler(spec.MaxBatch ?? DefaultMaxBatch);

    private static ChunkedScheduler Chunked(SchedulerSpec spec)
    {
        long budget = spec.Budget ?? DefaultChunkBudget;
        return new ChunkedScheduler(budget, spec.MaxBatch ?? Math.Min(DefaultMaxBatch, budget));
    }
}
