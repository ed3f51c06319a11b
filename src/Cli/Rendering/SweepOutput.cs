using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Cli.Rendering;

/// <summary>One configuration of a sweep: the pipeline as written, the cluster, the deployment (the effective one
/// when it compiled), the workload and its figures, or why it could not be evaluated.</summary>
internal sealed record SweepRow(string Passes, string Device, int Gpus, int Nodes, Deployment Dep, long Batch, long Prompt, long Context, SweepPoint Point, string Error);

/// <summary>What a sweep left out of the cross product of its lists, and why: never silently.</summary>
internal sealed record SweepSkips(long Candidates, long OtherGpuCount, long EpNotDividing, long RefusedByPass, long ContextBelowPrompt, long Pairs)
{
    public bool Any => OtherGpuCount + EpNotDividing + RefusedByPass + ContextBelowPrompt > 0;

    /// <summary>One sentence per reason, for the note on standard error and the outputs' metadata.</summary>
    public IEnumerable<string> Sentences()
    {
        if (OtherGpuCount > 0) yield return $"{OtherGpuCount} of {Candidates} candidate layouts skipped: tp x dp x pp is not the GPU count";
        if (EpNotDividing > 0) yield return $"{EpNotDividing} of {Candidates} candidate layouts skipped: ep does not divide tp x dp (the GPUs of an MoE layer)";
        if (RefusedByPass > 0) yield return $"{RefusedByPass} layout(s) refused by a pass or by the model: their rows give the error";
        if (ContextBelowPrompt > 0) yield return $"{ContextBelowPrompt} of {Pairs} (prompt, context) pairs skipped: the context is shorter than the prompt";
    }
}

/// <summary>`graphdsl sweep` output: CSV (metadata as leading '#' lines), JSON or a markdown table.</summary>
internal static class SweepOutput
{
    /// <summary>The efficiency profile each device was predicted with: "vllm on h100-sxm; vllm-rocm on mi300x".</summary>
    private static string Profiles(IReadOnlyDictionary<string, string> profiles) =>
        string.Join("; ", profiles.Select(p => $"{p.Value} on {p.Key}"));

    public static string Csv(List<SweepRow> rows, SweepRow? best, double? slo, SweepSkips skips, IReadOnlyDictionary<string, string> profiles)
    {
        var sb = new StringBuilder();
        sb.Append("# efficiency profile: ").Append(Profiles(profiles)).Append('\n');
        foreach (var s in skips.Sentences()) sb.Append("# ").Append(s).Append('\n');
        // Figures to 6 significant digits (a sweep is read and plotted, not recomputed); passes and error always quoted.
        var csv = new Csv(new[]
        {
            "passes", "hardware", "gpus", "nodes", "tp", "ep", "dp", "pp", "redundant_experts", "moe_comm", "weights", "kv", "batch", "prompt", "context",
            "feasible", "max_batch", "ttft_ms", "prefill_batch_ms", "tpot_ms", "serial_tpot_ms", "kernels_per_step", "tokens_per_s", "tokens_per_s_per_gpu",
            "weights_gb", "kv_gb", "state_gb", "free_gb", "meets_slo", "best", "error",
        });
        foreach (var x in rows)
        {
            var p = x.Point;
            bool ok = x.Error.Length == 0;
            csv.Row(new Csv.Quoted(x.Passes), x.Device, x.Gpus, x.Nodes, x.Dep.Layout.Tp, x.Dep.Layout.Ep, x.Dep.Layout.Dp, x.Dep.Layout.Pp, x.Dep.Layout.Redundant, x.Dep.Layout.MoeCommName,
                x.Dep.Weights, x.Dep.Kv, x.Batch, x.Prompt, x.Context,
                ok && p.Feasible, ok && p.MaxBatch != long.MaxValue ? p.MaxBatch : null,
                ok ? F(p.TtftMs) : "", ok ? F(p.PrefillBatchMs) : "", ok ? F(p.TpotMs) : "", ok ? F(p.SerialTpotMs) : "", ok ? F(p.KernelsPerStep) : "",
                ok && p.Feasible ? F(p.TokensPerSecond) : "", ok && p.Feasible ? F(p.TokensPerSecondPerGpu) : "", ok ? F(p.WeightGb) : "", ok ? F(p.KvGb) : "", ok ? F(p.StateGb) : "", ok ? F(p.FreeGb) : "",
                slo is null ? null : ok && p.TpotMs <= slo, ReferenceEquals(x, best), new Csv.Quoted(x.Error));
        }
        return sb.Append(csv).ToString();
    }

    public static string Json(List<SweepRow> rows, SweepRow? best, double? slo, SweepSkips skips, IReadOnlyDictionary<string, string> profiles) => Rendering.Json.Write(w =>
    {
        w.Object("profiles", () => { foreach (var (device, profile) in profiles) w.WriteString(device, profile); });
        w.WriteStartArray("configurations");
        foreach (var x in rows)
        {
            w.WriteStartObject();
            w.WriteString("passes", x.Passes);
            w.WriteString("hardware", x.Device);
            w.Number("gpus", x.Gpus); w.Number("nodes", x.Nodes);
            w.Number("tp", x.Dep.Layout.Tp); w.Number("ep", x.Dep.Layout.Ep); w.Number("dp", x.Dep.Layout.Dp); w.Number("pp", x.Dep.Layout.Pp);
            w.Number("redundant_experts", x.Dep.Layout.Redundant); w.WriteString("moe_comm", x.Dep.Layout.MoeCommName);
            w.WriteString("weights", x.Dep.Weights); w.WriteString("kv", x.Dep.Kv);
            w.Number("batch", x.Batch); w.Number("prompt", x.Prompt); w.Number("context", x.Context);
            if (x.Error.Length > 0) { w.WriteBoolean("feasible", false); w.WriteString("error", x.Error); w.WriteEndObject(); continue; }
            var p = x.Point;
            w.WriteBoolean("feasible", p.Feasible);
            if (p.MaxBatch == long.MaxValue) w.WriteNull("max_batch"); else w.Number("max_batch", p.MaxBatch);
            w.Number("ttft_ms", p.TtftMs); w.Number("prefill_batch_ms", p.PrefillBatchMs);
            w.Number("tpot_ms", p.TpotMs); w.Number("serial_tpot_ms", p.SerialTpotMs);
            w.Number("kernels_per_step", p.KernelsPerStep);
            // A row that does not fit carries no throughput (null), so no plot shows an impossible point.
            if (p.Feasible) { w.Number("tokens_per_s", p.TokensPerSecond); w.Number("tokens_per_s_per_gpu", p.TokensPerSecondPerGpu); }
            else { w.WriteNull("tokens_per_s"); w.WriteNull("tokens_per_s_per_gpu"); }
            w.Object("memory", () =>
            {
                w.Number("weights_gb", p.WeightGb); w.Number("kv_gb", p.KvGb);
                // As predict's JSON: the recurrent state only where the model has any.
                if (p.StateGb > 0) w.Number("state_gb", p.StateGb);
                w.Number("free_gb", p.FreeGb);
            });
            if (slo is not null) w.WriteBoolean("meets_slo", p.TpotMs <= slo);
            w.WriteBoolean("best", ReferenceEquals(x, best));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Number("count", rows.Count);
        w.Object("skipped", () =>
        {
            w.Number("candidate_layouts", skips.Candidates);
            w.Number("other_gpu_count", skips.OtherGpuCount);
            w.Number("ep_not_dividing", skips.EpNotDividing);
            w.Number("refused_by_pass", skips.RefusedByPass);
            w.Number("context_below_prompt", skips.ContextBelowPrompt);
        });
    });

    /// <summary>A table for documents: what varies (pipeline, layout, formats, workload) and the figures; what was
    /// skipped follows as a paragraph.</summary>
    public static string Markdown(List<SweepRow> rows, SweepRow? best, SweepSkips skips, IReadOnlyDictionary<string, string> profiles)
    {
        // A hybrid model's recurrent state gets a column; a model without one keeps the table as it was.
        bool state = rows.Any(x => x.Error.Length == 0 && x.Point.StateGb > 0);
        var sb = new StringBuilder("| passes | hardware | tp/ep/dp/pp | weights | kv | batch | context | TPOT ms | serial ms | kernels/step | tokens/s | weights GB/GPU | KV GB/GPU | "
            + (state ? "state GB/GPU | " : "") + "max batch | fits |\n");
        sb.Append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|" + (state ? "---:|" : "") + "---:|---|\n");
        static string N(double v, string f) => double.IsInfinity(v) || double.IsNaN(v) ? "" : v.ToString(f, CultureInfo.InvariantCulture);
        foreach (var x in rows)
        {
            var p = x.Point;
            string passes = x.Passes.Length == 0 ? "(default)" : "`" + x.Passes.Replace("|", "\\|") + "`";
            string layout = $"{x.Dep.Layout.Tp}/{x.Dep.Layout.Ep}/{x.Dep.Layout.Dp}/{x.Dep.Layout.Pp}";
            if (x.Error.Length > 0) { sb.Append($"| {passes} | {x.Device} | {layout} | {x.Dep.Weights} | {x.Dep.Kv} | {x.Batch} | {x.Context} | {x.Error.Replace("|", "/")} | | | | | | {(state ? "| " : "")}| no |\n"); continue; }
            sb.Append($"| {passes} | {x.Device} | {layout} | {x.Dep.Weights} | {x.Dep.Kv} | {x.Batch} | {x.Context} | {N(p.TpotMs, "F2")} | {N(p.SerialTpotMs, "F2")} | {N(p.KernelsPerStep, "F0")} | {(p.Feasible ? N(p.TokensPerSecond, "F0") : "-")} | {N(p.WeightGb, "F1")} | {N(p.KvGb, "F1")} | {(state ? N(p.StateGb, "F2") + " | " : "")}{(p.MaxBatch == long.MaxValue ? "" : p.MaxBatch.ToString(CultureInfo.InvariantCulture))} | {(p.Feasible ? "yes" : "no")}{(ReferenceEquals(x, best) ? " (best)" : "")} |\n");
        }
        sb.Append("\nEfficiency profile: ").Append(Profiles(profiles)).Append(".\n");
        if (skips.Any) sb.Append('\n').Append("Skipped: ").Append(string.Join("; ", skips.Sentences())).Append(".\n");
        return sb.ToString();
    }

    private static string F(double v) => double.IsInfinity(v) || double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture);
}
