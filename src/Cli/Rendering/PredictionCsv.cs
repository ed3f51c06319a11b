using System.Linq;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Cli.Rendering;

/// <summary>`predict --format csv`: the prediction as one row (the deployment with the formats in effect, the workload,
/// the figures, memory per GPU in GB = 10^9 bytes); `--format csv-ops`: every op of the decode and prefill steps, the
/// slowest first. A row that does not fit carries no throughput (empty cells), as in every format.</summary>
internal static class PredictionCsv
{
    public static string Summary(Prediction p, SpecFormats spec)
    {
        var d = p.Deployment;
        var l = d.Layout;
        return new Csv(new[]
            {
                "model", "hardware", "gpus", "nodes", "tp", "ep", "dp", "pp", "redundant_experts", "moe_comm", "weights", "kv", "profile",
                "batch", "prompt", "context", "feasible", "max_batch", "ttft_ms", "prefill_batch_ms", "tpot_ms", "serial_tpot_ms",
                "tokens_per_s", "tokens_per_s_per_gpu", "weights_gb", "kv_gb", "activations_gb", "reserve_gb", "free_gb", "capacity_gb",
            })
            .Row(p.Model, p.Device, p.Gpus, p.Nodes, l.Tp, l.Ep, l.Dp, l.Pp, l.Redundant, l.MoeCommName,
                SpecFormats.Actual(d.Weights, spec.Weights), SpecFormats.Actual(d.Kv, spec.Kv), p.Profile,
                p.Workload.Batch, p.Workload.Prompt, p.Workload.Context, p.Feasible, p.MaxBatch == long.MaxValue ? null : p.MaxBatch,
                p.TtftMs, p.Prefill.Milliseconds, p.TpotMs, p.Decode.SerialMs,
                p.Feasible ? p.DecodeTokensPerSecond : null, p.Feasible ? p.DecodeTokensPerSecondPerGpu : null,
                p.Memory.WeightBytes / 1e9, p.Memory.KvBytes / 1e9, p.Memory.ActivationBytes / 1e9, p.Memory.ReserveBytes / 1e9,
                p.Memory.FreeBytes / 1e9, p.Memory.CapacityBytes / 1e9)
            .ToString();
    }

    public static string Ops(Prediction p)
    {
        var csv = new Csv(new[] { "phase", "name", "op", "group", "count", "time_ms", "share", "flops", "bytes", "bound" });
        foreach (var (phase, ops, total) in new[] { ("decode", p.DecodeOps, p.Decode.Milliseconds), ("prefill", p.PrefillOps, p.Prefill.Milliseconds) })
            foreach (var op in ops)
                csv.Row(phase, op.Name, op.Op, op.Group, op.Count, op.MillisecondsPerStep, total > 0 ? op.MillisecondsPerStep / total : null,
                    op.Flops, op.Bytes, op.Bound.ToString().ToLowerInvariant());
        return csv.ToString();
    }
}
