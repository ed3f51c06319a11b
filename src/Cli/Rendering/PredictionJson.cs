using System.Text.Json;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Cli.Rendering;

/// <summary>`predict --format json`: sizes in GB are 10^9 bytes, times in milliseconds.</summary>
public static class PredictionJson
{
    public static string Write(Prediction p, Commands.ClusterChoice? cluster = null) => Json.Write(w => WriteBody(w, p, cluster));

    /// <summary>The prediction's fields; <paramref name="cluster"/> says whether the node count was the default.</summary>
    public static void WriteBody(Utf8JsonWriter w, Prediction p, Commands.ClusterChoice? cluster = null)
    {
        w.WriteString("model", p.Model);
        Hardware(w, p, cluster);
        Deployment(w, p.Deployment);
        w.Object("workload", () =>
        {
            w.Number("batch", p.Workload.Batch); w.Number("prompt", p.Workload.Prompt); w.Number("context", p.Workload.Context);
            w.Number("output_tokens", p.Workload.Output);
            if (p.Workload.TpotSloMs is { } slo) w.Number("tpot_slo_ms", slo);
        });
        w.WriteStartArray("emulated");
        foreach (var e in p.Emulated) w.WriteStringValue(e);
        w.WriteEndArray();
        w.WriteString("profile", p.Profile);
        w.WriteString("cuda_graphs", p.CudaGraphs ? "on" : "off");
        if (p.Routing.Length > 0) w.WriteString("routing", p.Routing);
        w.WriteString("pipeline", p.Pipeline.ToString());
        w.WriteBoolean("feasible", p.Feasible);
        w.WriteStartArray("reasons");
        foreach (var r in p.Reasons) w.WriteStringValue(r);
        w.WriteEndArray();
        w.Object("memory", () =>
        {
            w.Number("capacity_gb", p.Memory.CapacityBytes / 1e9);
            w.Number("weights_gb", p.Memory.WeightBytes / 1e9);
            w.Number("kv_gb", p.Memory.KvBytes / 1e9);
            w.Number("activations_gb", p.Memory.ActivationBytes / 1e9);
            w.Number("reserve_gb", p.Memory.ReserveBytes / 1e9);
            w.Number("free_gb", p.Memory.FreeBytes / 1e9);
            w.Number("kv_gb_per_sequence", p.Memory.KvBytesPerSequence / 1e9);
            // kv_gb includes it: an encoder-decoder's cross-attention keys and values, computed at prefill.
            if (p.Memory.RequestCacheBytes > 0) w.Number("cross_attention_cache_gb", p.Memory.RequestCacheBytes / 1e9);
            if (p.Memory.StateBytesPerSequence > 0)
            {
                w.Number("state_gb", p.Memory.StateBytes / 1e9);
                w.Number("state_gb_per_sequence", p.Memory.StateBytesPerSequence / 1e9);
            }
        });
        if (p.MaxBatch == long.MaxValue) w.WriteNull("max_batch"); else w.Number("max_batch", p.MaxBatch);
        // The engine's KV admission that sized max_batch, and the tokens of cache each sequence takes under it.
        w.Object("admission", () =>
        {
            w.WriteString("policy", p.Admission.Name());
            w.Number("tokens_per_sequence", p.AdmissionTokensPerSequence);
        });
        w.Object("prefill", () =>
        {
            // A request's time to first token (the mean over the batch) and the whole batch's prefill (docs/cost-model.md).
            w.Number("ttft_ms", p.TtftMs);
            w.Number("batch_ms", p.Prefill.Milliseconds);
            w.Number("passes", p.PrefillPassCount);
            Phase(w, p.Prefill);
        });
        w.Object("decode", () =>
        {
            // tpot_ms is per output token (the speculative step over its acceptance when speculating); step_ms the plain step.
            w.Number("tpot_ms", p.TpotMs);
            w.Number("step_ms", p.Decode.Milliseconds);
            // No throughput for a deployment that does not fit: a plot of these fields must not show impossible points.
            if (p.Feasible) { w.Number("tokens_per_s", p.DecodeTokensPerSecond); w.Number("tokens_per_s_per_gpu", p.DecodeTokensPerSecondPerGpu); }
            else { w.WriteNull("tokens_per_s"); w.WriteNull("tokens_per_s_per_gpu"); }
            Phase(w, p.Decode);
        });
        if (p.Speculative is { } spec) w.Object("speculative", () =>
        {
            w.WriteString("method", spec.Method);
            w.Number("draft_tokens", spec.DraftTokens);
            w.Number("acceptance", spec.Acceptance);
            w.Number("draft_ms", spec.DraftMs);
            w.Number("verify_ms", spec.VerifyMs);
            w.Number("step_ms", spec.StepMs);
            w.Number("tpot_ms", spec.TpotMs);
            w.Number("speedup", p.SpeculativeSpeedup!.Value);
            w.Number("drafter_weights_gb", spec.DraftWeightBytes / 1e9);
            w.Number("drafter_kv_bytes_per_token", spec.DraftKvBytesPerToken);
        });
        w.Object("throughput", () =>
        {
            if (p.OutputTokensPerSecond is { } o) w.Number("output_tokens_per_s", o); else w.WriteNull("output_tokens_per_s");
            if (p.OutputLimit is { } why) w.WriteString("output_limit", why);
            if (p.SloBatch is { } b) w.Number("slo_batch", b); else w.WriteNull("slo_batch");
            if (p.SloTokensPerSecond is { } t) w.Number("slo_tokens_per_s", t); else w.WriteNull("slo_tokens_per_s");
        });
        Ops(w, "ops", p.DecodeOps);
        Ops(w, "prefill_ops", p.PrefillOps);
    }

    /// <summary>The device, GPUs and nodes; <c>nodes_default</c> says whether the node count was chosen from the device.</summary>
    public static void Hardware(Utf8JsonWriter w, Prediction p, Commands.ClusterChoice? cluster) => w.Object("hardware", () =>
    {
        w.WriteString("device", p.Device); w.Number("gpus", p.Gpus); w.Number("nodes", p.Nodes);
        if (cluster is not null) w.WriteBoolean("nodes_default", cluster.NodesDefault);
    });

    /// <summary>The deployment the cost model ran (the flags merged with the pipeline's parallelize and quantize).</summary>
    public static void Deployment(Utf8JsonWriter w, Deployment d) => w.Object("deployment", () =>
    {
        w.Number("tp", d.Layout.Tp); w.Number("ep", d.Layout.Ep); w.Number("dp", d.Layout.Dp); w.Number("pp", d.Layout.Pp);
        w.Number("redundant_experts", d.Layout.Redundant); w.WriteString("moe_comm", d.Layout.MoeCommName);
        w.WriteString("weights", d.Weights); w.WriteString("kv", d.Kv); w.WriteString("activations", d.Activations);
    });

    private static void Phase(Utf8JsonWriter w, PhaseReport r)
    {
        w.Number("compute_bound_ms", r.ComputeMs);
        w.Number("memory_bound_ms", r.MemoryMs);
        w.Number("communication_ms", r.CommMs);
        w.Number("launch_ms", r.LaunchMs);
        w.Number("serial_ms", r.SerialMs);
        if (r.HostDispatchMs > 0) w.Number("host_dispatch_ms", r.HostDispatchMs);
        if (r.HostStepMs > 0) w.Number("host_step_ms", r.HostStepMs);
    }

    private static void Ops(Utf8JsonWriter w, string name, System.Collections.Generic.IReadOnlyList<OpReport> ops)
    {
        w.WriteStartArray(name);
        foreach (var o in ops)
        {
            w.WriteStartObject();
            w.WriteString("name", o.Name);
            w.WriteString("op", o.Op);
            w.WriteString("group", o.Group);
            w.Number("count", o.Count);
            w.Number("time_ms", o.MillisecondsPerStep);
            w.Number("flops", o.Flops);
            w.Number("bytes", o.Bytes);
            w.WriteString("bound", o.Bound.ToString().ToLowerInvariant());
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
