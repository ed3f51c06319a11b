using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;
using Spectre.Console;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// <c>graphdsl compare A.moe [B.moe] --hardware ... --gpus ... --batch ... --context ...</c>: two models (or one
/// model under two pipelines or formats) on the same hardware, deployment and workload. <c>--dense-q Q</c>
/// compares an MoE model with its quality-matched dense counterpart (Q x its active parameters) and reports,
/// across contexts, where the MoE is at a structural disadvantage (the dense model serves more tokens/s from
/// the same GPUs at its largest batch) and the sparsity s = active / total behind it.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("a") { Description = "first .moe file" };
        var b = new Argument<string?>("b") { Description = "second .moe file (default: the first)", Arity = ArgumentArity.ZeroOrOne };
        var denseQ = NumberOptions.Float("--dense-q", "compare with the dense counterpart of q x the MoE's active parameters", FloatRange.Positive());
        var passesB = new Option<string?>("--passes-b") { Description = "pipeline for the second model (default: --passes)" };
        var weightsB = new Option<string?>("--weights-b") { Description = "weight format for the second model (default: --weights)" };
        var kvB = new Option<string?>("--kv-b") { Description = "KV format for the second model (default: --kv)" };
        var batch = NumberOptions.Count("--batch", "sequences in flight", 1);
        var prompt = new Option<string>("--prompt") { Description = "prompt tokens", DefaultValueFactory = _ => "2048" };
        var context = new Option<string>("--context") { Description = "context at the decode step", DefaultValueFactory = _ => "4096" };
        var contexts = new Option<string>("--contexts") { Description = "contexts for the structural comparison", DefaultValueFactory = _ => "1k,4k,16k,32k,64k,128k" };
        var passes = CommonOptions.Passes();
        var format = CommonOptions.Format("table", "table", "json");
        var deployment = new DeploymentOptions();
        var source = new SourceOptions(withModel: false);
        var cmd = new Command("compare", "Compare two models (or an MoE and its dense counterpart) on the same cluster and workload.")
            { a, b, denseQ, passesB, weightsB, kvB, batch, prompt, context, contexts, passes, format };
        deployment.AddTo(cmd);
        source.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            var (cluster, eff, depA) = deployment.Resolve(r, diagnostics);
            if (NumberOptions.SizeProblem("--prompt", r.GetValue(prompt)!, out var promptLen) is { } badPrompt) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badPrompt);
            if (NumberOptions.SizeProblem("--context", r.GetValue(context)!, out var ctxLen) is { } badContext) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badContext);
            var ctxList = new List<long>();
            foreach (var c in r.GetValue(contexts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (NumberOptions.SizeProblem("--contexts:", c, out var v) is { } badSize) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badSize);
                else ctxList.Add(v);
            CommonOptions.CheckPipeline(r.GetValue(passes), diagnostics);
            CommonOptions.CheckPipeline(r.GetValue(passesB), diagnostics);
            if (diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }

            var moduleA = source.Load(r, r.GetValue(a)!);
            var moduleB = r.GetValue(b) is { } pathB ? source.Load(r, pathB) : moduleA;
            if (moduleA is null || moduleB is null) return ExitCodes.InputError;
            var passesA = r.GetValue(passes);
            var pB = r.GetValue(passesB) ?? passesA;
            double? q = r.GetValue(denseQ);
            if (q is not null)
            {
                // The dense counterpart: densify after flattening, then the usual pipeline.
                var flat = new PassManager(Pipeline.Parse(FormattableString.Invariant($"inline,canonicalize,densify{{q={q}}}"), diagnostics)!).Run(moduleA);
                if (flat.Module is null) { Driver.Report(flat.Diagnostics); return ExitCodes.InputError; }
                moduleB = flat.Module;
            }
            var depB = depA! with { Weights = r.GetValue(weightsB) ?? depA.Weights, Kv = r.GetValue(kvB) ?? depA.Kv };
            var compiledA = CompiledDeployment.Compile(moduleA, depA, passesA, diagnostics);
            var compiledB = CompiledDeployment.Compile(moduleB, depB, pB, diagnostics);
            if (compiledA is null || compiledB is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
            var predA = new Predictor(compiledA, cluster!, eff!);
            var predB = new Predictor(compiledB, cluster!, eff!);
            Prediction pa, pb;
            try
            {
                pa = predA.Predict(new Workload(r.GetValue(batch), promptLen, ctxLen), details: false);
                pb = predB.Predict(new Workload(r.GetValue(batch), promptLen, ctxLen), details: false);
            }
            catch (ArgumentException e) { Driver.Report(DiagnosticCatalog.InvalidWorkload.At(SourceSpan.None, e.Message)); return ExitCodes.InputError; }
            var statsA = ModelStats.Compute(moduleA);
            var statsB = ModelStats.Compute(moduleB);
            var rows = ctxList.Select(c => Structural(predA, predB, c, promptLen, depA.Dp)).ToList();
            if (r.GetValue(format) == "json") Console.Out.Write(ToJson(pa, pb, statsA, statsB, q, rows));
            else WriteTable(pa, pb, statsA, statsB, q, rows);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>At one context: each model's largest batch and the decode tokens/s it serves there.</summary>
    public sealed record ContextRow(long Context, long MaxBatchA, double TokensPerSecondA, long MaxBatchB, double TokensPerSecondB)
    {
        /// <summary>The first model serves fewer tokens/s than the second from the same GPUs.</summary>
        public bool ADisadvantaged => TokensPerSecondA < TokensPerSecondB;
    }

    private static ContextRow Structural(Predictor a, Predictor b, long context, long prompt, int dp)
    {
        (long, double) AtMax(Predictor p)
        {
            var probe = p.Predict(new Workload(dp, prompt, context), details: false);
            long perReplica = Math.Min(probe.Memory.MaxBatchPerReplica, 1L << 16);
            if (perReplica < 1) return (0, 0);
            return (perReplica * dp, perReplica * dp / p.TpotSeconds(perReplica, context));
        }
        var (ba, ta) = AtMax(a);
        var (bb, tb) = AtMax(b);
        return new ContextRow(context, ba, ta, bb, tb);
    }

    private static string ToJson(Prediction a, Prediction b, ModelStats sa, ModelStats sb, double? q, List<ContextRow> rows) => Json.Write(w =>
    {
        void Model(string name, Prediction p, ModelStats s) => w.Object(name, () =>
        {
            w.WriteString("model", p.Model);
            w.Number("params_total", s.TotalParams);
            w.Number("params_active", s.ActiveParams);
            w.Number("sparsity", s.ActiveParams / s.TotalParams);
            w.WriteBoolean("feasible", p.Feasible);
            if (p.MaxBatch == long.MaxValue) w.WriteNull("max_batch"); else w.Number("max_batch", p.MaxBatch);
            w.Number("ttft_ms", p.Prefill.Milliseconds);
            w.Number("tpot_ms", p.Decode.Milliseconds);
            w.Number("tokens_per_s", p.DecodeTokensPerSecond);
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

    private static void WriteTable(Prediction a, Prediction b, ModelStats sa, ModelStats sb, double? q, List<ContextRow> rows)
    {
        var c = Terminal.Create();
        c.MarkupLine($"[bold]{Markup.Escape(a.Model)}[/] (a) vs [bold]{Markup.Escape(b.Model)}[/] (b) on {a.Gpus} x {Markup.Escape(a.Device)}; batch {a.Workload.Batch}, context {a.Workload.Context}");
        var t = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("a").RightAligned()).AddColumn(new TableColumn("b").RightAligned());
        t.AddRow("parameters total / active", $"{Units.Count(sa.TotalParams)} / {Units.Count(sa.ActiveParams)}", $"{Units.Count(sb.TotalParams)} / {Units.Count(sb.ActiveParams)}");
        t.AddRow("sparsity s = active / total", $"{sa.ActiveParams / sa.TotalParams:F3}", $"{sb.ActiveParams / sb.TotalParams:F3}");
        t.AddRow("fits", a.Feasible ? "yes" : "[red]no[/]", b.Feasible ? "yes" : "[red]no[/]");
        t.AddRow("TTFT ms", $"{a.Prefill.Milliseconds:F2}", $"{b.Prefill.Milliseconds:F2}");
        t.AddRow("TPOT ms", $"{a.Decode.Milliseconds:F3}", $"{b.Decode.Milliseconds:F3}");
        t.AddRow("decode tokens/s", $"{a.DecodeTokensPerSecond:F1}", $"{b.DecodeTokensPerSecond:F1}");
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
