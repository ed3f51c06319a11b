using System;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// How a serving engine admits a request into its KV cache (profiles.json <c>admission</c>, docs/cost-model.md "KV
/// admission"). It decides how many sequences run together when the cache, not a batch limit, bounds them.
/// </summary>
public enum KvAdmission
{
    /// <summary>Blocks are allocated as tokens arrive and a running request is preempted (and recomputed later) when the cache
    /// runs out (vLLM; SGLang, whose reservation for running requests decays to a tenth of their remaining output): the cache
    /// holds each running sequence at the length it has reached.</summary>
    OnDemand,

    /// <summary>A request is admitted only when the cache can hold it at its full length, prompt + output, so nothing is ever
    /// preempted (TensorRT-LLM's default capacity scheduler, <c>GUARANTEED_NO_EVICT</c>; gpt-fast and FasterTransformer
    /// size their batch's cache for prompt + max_new_tokens): each running sequence takes its full length's cache from its
    /// first step.</summary>
    NoEvict,
}

/// <summary>The names profiles.json spells the policies with, and the cache one sequence takes under each.</summary>
public static class KvAdmissions
{
    public const string OnDemandName = "on_demand", NoEvictName = "no_evict";

    public static string Name(this KvAdmission admission) => admission == KvAdmission.NoEvict ? NoEvictName : OnDemandName;

    /// <summary>The policy profiles.json names, or null for a name that is none.</summary>
    public static KvAdmission? Parse(string name) => name switch
    {
        OnDemandName => KvAdmission.OnDemand,
        NoEvictName => KvAdmission.NoEvict,
        _ => null,
    };

    /// <summary>
    /// Tokens of KV cache one running sequence takes when it holds <paramref name="held"/> tokens (the context of the step
    /// priced, or the mean length over a generation): those on demand; under no-evict at least its full length, prompt +
    /// output, reserved when it was admitted. With no output given (0) the full length is unknown and the held tokens stand.
    /// </summary>
    public static double TokensPerSequence(this KvAdmission admission, double held, long prompt, long output) =>
        admission == KvAdmission.NoEvict ? Math.Max(held, (double)prompt + output) : held;
}
