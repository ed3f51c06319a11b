using System;
using System.Globalization;
using System.Text.RegularExpressions;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Backends.Serving.Scheduling;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Backends.Serving.Validation;

/// <summary>
/// The scheduler each engine of the dataset ran by default, as serve's schedulers approximate it. Limits are for the whole
/// engine (serve's replicas share one queue): a per-rank limit is multiplied by the attention replicas.
/// <list type="bullet">
/// <item>vLLM before 0.8 (the V0 engine): <c>continuous</c>, no chunked prefill (prefills first, the decodes wait). V0
/// turns chunked prefill on by default only for models longer than 32k tokens, and for MLA models (DeepSeek) its 0.7
/// releases force it off ("MLA is enabled; forcing chunked prefill and prefix caching to be disabled", vllm/config.py);
/// at most 256 sequences (V0's <c>max_num_seqs</c>).</item>
/// <item>vLLM 0.8 and later (the V1 engine): <c>chunked</c>, V1 always chunks prefills, with the profile's
/// <c>max_batched_tokens</c> (8,192: V1's <c>max_num_batched_tokens</c> for its OpenAI server on GPUs of 70 GiB or
/// more) and at most 1,024 sequences (V1's <c>max_num_seqs</c> there).</item>
/// <item>SGLang: <c>chunked{budget=8192}</c>, its <c>chunked_prefill_size</c> default (python/sglang/srt/server_args.py);
/// with DP attention SGLang divides it among the ranks, so the engine's budget stays 8,192.</item>
/// <item>TensorRT-LLM: in-flight batching runs generation requests and whole context requests in the same step up to
/// <c>max_num_tokens</c> (chunked context is off by default): <c>chunked</c> with the profile's <c>max_batched_tokens</c>
/// per rank, the nearest of serve's schedulers (it cuts the step's last prompt where TensorRT-LLM would defer it); at most
/// <see cref="Validator.EngineBatchCap"/> sequences per rank, trtllm-bench's cap.</item>
/// <item>Any other engine: <c>continuous</c> with the profile's <c>max_batched_tokens</c>.</item>
/// </list>
/// </summary>
public static class EngineSchedulers
{
    public const long VllmV0MaxSeqs = 256, VllmV1MaxSeqs = 1024, SglangChunkedPrefill = 8192;

    public static SchedulerSpec For(Measurement m, EfficiencyProfile profile, int dp, ServedRegime regime)
    {
        long tokensPerRank = Math.Max(1, (long)profile.MaxBatchedTokens);
        // A closed loop never holds more than its C clients; an engine's limit below C would queue them.
        long AtLeastClients(long maxBatch) => regime == ServedRegime.ClosedLoop ? Math.Max(maxBatch, m.Batch!.Value) : maxBatch;
        return m.EngineFamily switch
        {
            "vllm" when VllmMinor(m.Engine) is var (major, minor) && major == 0 && minor < 8 =>
                new SchedulerSpec(SchedulerKind.Continuous, AtLeastClients(VllmV0MaxSeqs * dp), tokensPerRank * dp, null),
            "vllm" => new SchedulerSpec(SchedulerKind.Chunked, AtLeastClients(VllmV1MaxSeqs * dp), null, tokensPerRank * dp),
            "sglang" => new SchedulerSpec(SchedulerKind.Chunked, AtLeastClients(SchedulerFactory.DefaultMaxBatch), null, SglangChunkedPrefill),
            "trtllm" => new SchedulerSpec(SchedulerKind.Chunked, AtLeastClients(Validator.EngineBatchCap * dp), null, tokensPerRank * dp),
            _ => new SchedulerSpec(SchedulerKind.Continuous, AtLeastClients(SchedulerFactory.DefaultMaxBatch), tokensPerRank * dp, null),
        };
    }

    /// <summary>
    /// An engine whose profile admits a request only when the cache holds it at its full length (<see cref="KvAdmission.NoEvict"/>:
    /// TensorRT-LLM's default capacity scheduler, <c>GUARANTEED_NO_EVICT</c>) never preempts; serve's schedulers reserve a
    /// prompt's blocks and preempt when decodes outgrow the cache, as vLLM does. With fixed lengths the policy is a cap on the
    /// sequences in flight: the cache's blocks over one request's. The spec with that cap for a no-evict profile's row whose
    /// cap binds, else null.
    /// </summary>
    public static SchedulerSpec? NoEvictLimit(EfficiencyProfile profile, SchedulerSpec spec, Engine.KvCache kv, long requestTokens)
    {
        if (profile.Admission != KvAdmission.NoEvict) return null;
        long fit = Math.Max(1, kv.TotalBlocks / Engine.KvCache.BlocksFor(requestTokens));
        return spec.MaxBatch is { } max && fit >= max ? null : spec with { MaxBatch = fit };
    }

    /// <summary>The (major, minor) version of the first "vLLM X.Y" in an engine description, or null.</summary>
    public static (int, int)? VllmMinor(string engine)
    {
        var match = Regex.Match(engine, @"vLLM v?(\d+)\.(\d+)", RegexOptions.IgnoreCase);
        return match.Success ? (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)) : null;
    }
}
