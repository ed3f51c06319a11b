using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
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
internal sealed class CompareCommand
{
    private readonly Argument<string> _a = new("a") { Description = "first .moe file" };
    private readonly Argument<string?> _b = new("b") { Description = "second .moe file (default: the first)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<double?> _denseQ = NumberOptions.Float("--dense-q", "compare with the dense counterpart of q x the MoE's active parameters", FloatRange.Positive());
    private readonly SourceOptions _source = new(withModel: false);
    private readonly Option<string?> _passesB = new("--passes-b") { Description = "pipeline for the second model (default: --passes)" };
    private readonly Option<string> _weightsB = new("--weights-b") { Description = "weight format for the second model (default: --weights)" };
    private readonly Option<string> _kvB = new("--kv-b") { Description = "KV format for the second model (default: --kv)" };
    private readonly WorkloadOptions _workload = new();
    private readonly Option<string> _contexts = new("--contexts")
    {
        Description = "contexts for the structural comparison (at a context below --prompt, prompts of that length)", DefaultValueFactory = _ => "1k,4k,16k,32k,64k,128k",
    };
    private readonly Option<string?> _passes = CommonOptions.Passes();
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json");
    private readonly DeploymentOptions _deployment = new();

    /// <summary>What the command line asks for: one cluster and workload, two deployments (each the flags merged with its pipeline).</summary>
    private sealed record Settings(ClusterChoice Cluster, EfficiencyProfile Efficiency, Deployment A, Pipeline PassesA, Deployment B, Pipeline PassesB,
        Workload Workload, List<long> Contexts, double? Q);

    public static Command Create()
    {
        var c = new CompareCommand();
        var cmd = new Command("compare", "Compare two models (or an MoE and its dense counterpart) on the same cluster and workload.")
            { c._a, c._b, c._denseQ, c._passesB, c._weightsB, c._kvB, c._contexts, c._passes, c._format };
        c._source.AddTo(cmd);
        c._workload.AddTo(cmd);
        c._deployment.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        var (cluster, eff) = _deployment.ResolveCluster(r, diagnostics);
        var (batch, prompt, context) = _workload.Resolve(r, diagnostics);
        var ctxList = new List<long>();
        foreach (var c in r.GetValue(_contexts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (NumberOptions.SizeProblem("--contexts:", c, out var v) is { } badSize) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badSize);
            else ctxList.Add(v);
        var passesA = CommonOptions.DeploymentPasses(r.GetValue(_passes), diagnostics);
        var passesB = r.GetValue(_passesB) is { } textB ? CommonOptions.DeploymentPasses(textB, diagnostics) : passesA;
        // The second model's formats: --weights-b and --kv-b stand in for --weights and --kv where given.
        var given = _deployment.GivenPassValues(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var keysB = _deployment.PassKeys.ToList();
        var givenB = new Dictionary<PassKey, string[]>(given);
        foreach (var (flag, key) in new[] { (_weightsB, "weights"), (_kvB, "kv") })
        {
            if (r.GetResult(flag) is not { Implicit: false }) continue;
            int i = keysB.FindIndex(k => k.Key == key);
            var forB = keysB[i] with { Flag = flag };
            givenB.Remove(keysB[i]);
            keysB[i] = forB;
            if (_deployment.Values(r.GetValue(flag)!, flag.Name, diagnostics, DiagnosticCatalog.InvalidOption, forB.Check) is { } values) givenB[forB] = values;
        }
        Deployment? Resolve(Pipeline? passes, Dictionary<PassKey, string[]> g, IReadOnlyList<PassKey> keys) =>
            cluster is null || eff is null || passes is null ? null : _deployment.ResolveDeployment(g, passes, cluster.Cluster, eff, diagnostics, keys);
        var depA = Resolve(passesA, given, _deployment.PassKeys);
        var depB = Resolve(passesB, givenB, keysB);
        if (diagnostics.HasErrors) return null;
        return new Settings(cluster!, eff!, depA!, passesA!, depB!, passesB!, new Workload(batch, prompt, context), ctxList, r.GetValue(_denseQ));
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        Driver.Report(diagnostics.Items);
        if (s is null) return ExitCodes.UsageError;

        diagnostics = new DiagnosticBag();
        var moduleA = _source.Load(r, r.GetValue(_a)!);
        var moduleB = r.GetValue(_b) is { } pathB ? _source.Load(r, pathB) : moduleA;
        if (moduleA is null || moduleB is null) return ExitCodes.InputError;
        if (s.Q is { } q)
        {
            // The dense counterpart: densify after flattening, then the usual pipeline.
            var flat = new PassManager(Pipeline.Parse(FormattableString.Invariant($"inline,canonicalize,densify{{q={q}}}"), diagnostics)!).Run(moduleA);
            if (flat.Module is null) { Driver.Report(flat.Diagnostics); return ExitCodes.InputError; }
            moduleB = flat.Module;
        }
        var compiledA = CompiledDeployment.Compile(moduleA, s.A, s.PassesA, diagnostics);
        var compiledB = CompiledDeployment.Compile(moduleB, s.B, s.PassesB, diagnostics);
        if (compiledA is null || compiledB is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
        var predA = new Predictor(compiledA, s.Cluster.Cluster, s.Efficiency);
        var predB = new Predictor(compiledB, s.Cluster.Cluster, s.Efficiency);
        Prediction pa, pb;
        try
        {
            pa = predA.Predict(s.Workload, details: false);
            pb = predB.Predict(s.Workload, details: false);
        }
        catch (ArgumentException e) { Driver.Report(DiagnosticCatalog.InvalidWorkload.At(SourceSpan.None, e.Message)); return ExitCodes.InputError; }
        var statsA = ModelStats.Compute(moduleA);
        var statsB = ModelStats.Compute(moduleB);
        var rows = s.Contexts.Select(c => Structural(predA, predB, c, Math.Min(s.Workload.Prompt, c), compiledA.Deployment.Layout.Dp)).ToList();
        if (r.GetValue(_format) == "json") Console.Out.Write(ToJson(pa, pb, statsA, statsB, s.Q, rows, s.Cluster));
        else WriteTable(pa, pb, statsA, statsB, s.Q, rows, s.Cluster);
        return ExitCodes.Ok;
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

    private static string ToJson(Prediction a, Prediction b, ModelStats sa, ModelStats sb, double? q, List<ContextRow> rows, ClusterChoice cluster) => Json.Write(w =>
    {
        PredictionJson.Hardware(w, a, cluster);
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

    private static void WriteTable(Prediction a, Prediction b, ModelStats sa, ModelStats sb, double? q, List<ContextRow> rows, ClusterChoice cluster)
    {
        var c = Terminal.Create();
        c.MarkupLine($"[bold]{Markup.Escape(a.Model)}[/] (a) vs [bold]{Markup.Escape(b.Model)}[/] (b) on {a.Gpus} x {Markup.Escape(a.Device)} ({Markup.Escape(cluster.Describe())}); " +
                     $"batch {a.Workload.Batch}, prompt {a.Workload.Prompt}, context {a.Workload.Context}");
        c.MarkupLine($"a: {Markup.Escape(a.Deployment.ToString())}; b: {Markup.Escape(b.Deployment.ToString())}");
        var t = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("a").RightAligned()).AddColumn(new TableColumn("b").RightAligned());
        t.AddRow("parameters total / active", $"{Units.Count(sa.TotalParams)} / {Units.Count(sa.ActiveParams)}", $"{Units.Count(sb.TotalParams)} / {Units.Count(sb.ActiveParams)}");
        t.AddRow("sparsity s = active / total", $"{sa.ActiveParams / sa.TotalParams:F3}", $"{sb.ActiveParams / sb.TotalParams:F3}");
        t.AddRow("fits", a.Feasible ? "yes" : "[red]no[/]", b.Feasible ? "yes" : "[red]no[/]");
        t.AddRow("TTFT ms (a request's, mean)", $"{a.TtftMs:F2}", $"{b.TtftMs:F2}");
        t.AddRow("prefill of the batch ms", $"{a.Prefill.Milliseconds:F2}", $"{b.Prefill.Milliseconds:F2}");
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
