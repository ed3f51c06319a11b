using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Commands;
using GraphDsl.Ir.Analysis;
using Spectre.Console;

namespace GraphDsl.Cli.Rendering;

/// <summary>What <c>graphdsl compare</c> found, as JSON or as tables.</summary>
internal static class ComparisonOutput
{
    public static string ToJson(Prediction a, Prediction b, ModelStats sa, ModelStats sb, double? q, List<ContextRow> rows, ClusterChoice cluster) => Json.Write(w =>
    {
        PredictionJson.Hardware(w, a, cluster);
        w.WriteString("cuda_graphs", a.CudaGraphs ? "on" : "off");
        void Model(string name, Prediction p, ModelStats s) => w.Object(name, () =>
        {
            w.WriteString("model", p.Model);
            w.Number("params_total", s.TotalParams);
            w.Number("params_active", s.ActiveParams);
            w.Number("sparsity", s.ActiveParams / s.TotalParams);
            w.WriteBoolean("feasible", p.Feasible);
            if (p.MaxBatch == long.MaxValue) w.WriteNull("max_batch"); else w.Number("max_batch", p.MaxBatch);
            PredictionJson.Deployment(w, p.Deployment);
            w.WriteString("pipeline", p.Pipeline.ToString());
            w.Number("ttft_ms", p.TtftMs);
            w.Number("prefill_batch_ms", p.Prefill.Milliseconds);
            w.Number("tpot_ms", p.Decode.Milliseconds);
            if (p.Feasible) w.Number("tokens_per_s", p.DecodeTokensPerSecond); else w.WriteNull("tokens_per_s");
            w.Number("weights_gb", p.Memory.WeightBytes / 1e9);
            w.Number("kv_gb", p.Memory.KvBytes / 1e9);
        });
        Model("a", a, sa);
        Model("b", b, sb);
        if (q is { } qq) { w.Number("q", qq); w.Number("qs", qq * sa.ActiveParams / sa.TotalParams); }
        w.WriteStartArray("contexts");
        foreach (var r in rows)
        {
            w.WriteStartObject();
            w.Number("context", r.Context);
            w.Number("max_batch_a", r.MaxBatchA); w.Number("tokens_per_s_a", r.TokensPerSecondA);
            w.Number("max_batch_b", r.MaxBatchB); w.Number("tokens_per_s_b", r.TokensPerSecondB);
            w.WriteBoolean("a_disadvantaged", r.ADisadvantaged);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("a_disadvantaged_contexts");
        foreach (var r in rows.Where(x => x.ADisadvantaged)) w.WriteNumberValue(r.Context);
        w.WriteEndArray();
    });

    /// <summary>`compare --format csv`: one row per model (a, then b), the formats in effect, memory per GPU in GB (10^9 bytes).</summary>
    public static string ToCsv(Prediction a, Prediction b, ModelStats sa, ModelStats sb, SpecFormats specA, SpecFormats specB)
    {
        var csv = new Csv(new[]
        {
            "side", "model", "hardware", "gpus", "tp", "ep", "dp", "pp", "weights", "kv", "params_total", "params_active", "sparsity", "feasible", "max_batch",
            "batch", "prompt", "context", "ttft_ms", "prefill_batch_ms", "tpot_ms", "tokens_per_s", "weights_gb", "kv_gb",
        });
        foreach (var (side, p, s, spec) in new[] { ("a", a, sa, specA), ("b", b, sb, specB) })
        {
            var l = p.Deployment.Layout;
            csv.Row(side, p.Model, p.Device, p.Gpus, l.Tp, l.Ep, l.Dp, l.Pp, SpecFormats.Actual(p.Deployment.Weights, spec.Weights), SpecFormats.Actual(p.Deployment.Kv, spec.Kv),
                s.TotalParams, s.ActiveParams, s.ActiveParams / s.TotalParams, p.Feasible, p.MaxBatch == long.MaxValue ? null : p.MaxBatch,
                p.Workload.Batch, p.Workload.Prompt, p.Workload.Context, p.TtftMs, p.Prefill.Milliseconds, p.Decode.Milliseconds,
                p.Feasible ? p.DecodeTokensPerSecond : null, p.Memory.WeightBytes / 1e9, p.Memory.KvBytes / 1e9);
        }
        return csv.ToString();
    }

    /// <summary>`compare --format csv-contexts`: the structural comparison, one row per context.</summary>
    public static string ContextsCsv(List<ContextRow> rows)
    {
        var csv = new Csv(new[] { "context", "max_batch_a", "tokens_per_s_a", "max_batch_b", "tokens_per_s_b", "a_disadvantaged" });
        foreach (var r in rows) csv.Row(r.Context, r.MaxBatchA, r.TokensPerSecondA, r.MaxBatchB, r.TokensPerSecondB, r.ADisadvantaged);
        return csv.ToString();
    }

    public static void WriteTable(Prediction a, Prediction b, ModelStats sa, ModelStats sb, SpecFormats specA, SpecFormats specB, double? q, List<ContextRow> rows, ClusterChoice cluster)
    {
        var c = Terminal.Create();
        c.MarkupLine($"[bold]{Markup.Escape(a.Model)}[/] (a) vs [bold]{Markup.Escape(b.Model)}[/] (b) on {a.Gpus} x {Markup.Escape(a.Device)} ({Markup.Escape(cluster.Describe())}); " +
                     $"batch {a.Workload.Batch}, prompt {a.Workload.Prompt}, context {a.Workload.Context}" + (a.CudaGraphs ? "" : "; CUDA graphs off"));
        c.MarkupLine($"a: {Markup.Escape(specA.Describe(a.Deployment))}; b: {Markup.Escape(specB.Describe(b.Deployment))}");
        var t = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("a").RightAligned()).AddColumn(new TableColumn("b").RightAligned());
        t.AddRow("parameters total / active", $"{Units.Count(sa.TotalParams)} / {Units.Count(sa.ActiveParams)}", $"{Units.Count(sb.TotalParams)} / {Units.Count(sb.ActiveParams)}");
        t.AddRow("sparsity s = active / total", $"{sa.ActiveParams / sa.TotalParams:F3}", $"{sb.ActiveParams / sb.TotalParams:F3}");
        t.AddRow("fits", a.Feasible ? "yes" : "[red]no[/]", b.Feasible ? "yes" : "[red]no[/]");
        t.AddRow("TTFT ms (a request's, mean)", $"{a.TtftMs:F2}", $"{b.TtftMs:F2}");
        t.AddRow("prefill of the batch ms", $"{a.Prefill.Milliseconds:F2}", $"{b.Prefill.Milliseconds:F2}");
        t.AddRow("TPOT ms", $"{a.Decode.Milliseconds:F3}", $"{b.Decode.Milliseconds:F3}");
        t.AddRow("decode tokens/s", a.Feasible ? $"{a.DecodeTokensPerSecond:F1}" : "- (does not fit)", b.Feasible ? $"{b.DecodeTokensPerSecond:F1}" : "- (does not fit)");
        t.AddRow("weights GB per GPU", $"{a.Memory.WeightBytes / 1e9:F2}", $"{b.Memory.WeightBytes / 1e9:F2}");
        c.Write(t);
        if (q is { } qq) c.MarkupLine($"b is the dense counterpart with q = {qq} x a's active parameters; q·s = {qq * sa.ActiveParams / sa.TotalParams:F3}");
        var s = new Table().Border(TableBorder.Rounded).Title("at each context, at the largest batch that fits")
            .AddColumn(new TableColumn("context").RightAligned()).AddColumn(new TableColumn("a max batch").RightAligned()).AddColumn(new TableColumn("a tokens/s").RightAligned())
            .AddColumn(new TableColumn("b max batch").RightAligned()).AddColumn(new TableColumn("b tokens/s").RightAligned()).AddColumn("a disadvantaged");
        foreach (var r in rows)
            s.AddRow(r.Context.ToString(System.Globalization.CultureInfo.InvariantCulture), r.MaxBatchA.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{r.TokensPerSecondA:F0}",
                r.MaxBatchB.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{r.TokensPerSecondB:F0}", r.ADisadvantaged ? "[yellow]yes[/]" : "no");
        c.Write(s);
    }
}
