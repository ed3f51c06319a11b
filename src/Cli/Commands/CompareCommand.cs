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
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv", "csv-contexts");
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
        var ctxList = NumberOptions.Sizes(r.GetValue(_contexts)!, _contexts.Name, DiagnosticCatalog.InvalidWorkload, diagnostics);
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
        var moduleA = _source.LoadServed(r, r.GetValue(_a)!, out var loadFailed);
        if (moduleA is null) return loadFailed;
        var moduleB = r.GetValue(_b) is { } pathB ? _source.LoadServed(r, pathB, out loadFailed) : moduleA;
        if (moduleB is null) return loadFailed;
        if (s.Q is { } q)
        {
            // The dense counterpart: densify after flattening, then the usual pipeline.
            var densify = PipelineElement.Create("densify", ("q", q.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var flat = new PassManager(StandardPipelines.Flatten).Run(moduleA);
            if (flat.Module is null) { Driver.Report(flat.Diagnostics); return ExitCodes.InputError; }
            // densify leaves a model without MoE layers as it is, so q went unused: Llama 3 8B "against its dense
            // counterpart of 2 x its active parameters" was compared with itself.
            if (GraphDsl.Backends.CostModel.Moe.MoeLayers.Of(flat.Module).Count == 0)
            {
                Driver.Report(DiagnosticCatalog.DenseCounterpartOfDenseModel.At(SourceSpan.None, moduleA.Name, q));
                return ExitCodes.InputError;
            }
            var dense = new PassManager(new Pipeline(new[] { densify })).Run(flat.Module);
            if (dense.Module is null) { Driver.Report(dense.Diagnostics); return ExitCodes.InputError; }
            moduleB = dense.Module;
        }
        var compiledA = CompiledDeployment.Compile(moduleA, s.A, s.PassesA, diagnostics);
        var compiledB = CompiledDeployment.Compile(moduleB, s.B, s.PassesB, diagnostics);
        if (compiledA is null || compiledB is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
        // The dense counterpart (--dense-q) inherits the MoE's layout, whose ep it has nothing to apply to.
        foreach (var problem in new[] { compiledA.ExpertLayoutProblem(), s.Q is null ? compiledB.ExpertLayoutProblem() : null }.Distinct().OfType<string>())
            diagnostics.Report(DiagnosticCatalog.ExpertLayoutWithoutExperts, SourceSpan.None, problem);
        if (diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
        Prediction pa, pb;
        List<ContextRow> rows;
        try
        {
            var predA = new Predictor(compiledA, s.Cluster.Cluster, s.Efficiency);
            var predB = new Predictor(compiledB, s.Cluster.Cluster, s.Efficiency);
            pa = predA.Predict(s.Workload, details: false);
            pb = predB.Predict(s.Workload, details: false);
            rows = s.Contexts.Select(c => Structural(predA, predB, c, Math.Min(s.Workload.Prompt, c))).ToList();
        }
        catch (ArgumentException e) { Driver.Report(DiagnosticCatalog.InvalidWorkload.At(SourceSpan.None, e.Message)); return ExitCodes.InputError; }
        var statsA = ModelStats.Compute(moduleA);
        var statsB = ModelStats.Compute(moduleB);
        switch (r.GetValue(_format))
        {
            case "json": Console.Out.Write(ComparisonOutput.ToJson(pa, pb, statsA, statsB, s.Q, rows, s.Cluster)); break;
            case "csv": Console.Out.Write(ComparisonOutput.ToCsv(pa, pb, statsA, statsB, SpecFormats.Of(moduleA), SpecFormats.Of(moduleB))); break;
            case "csv-contexts": Console.Out.Write(ComparisonOutput.ContextsCsv(rows)); break;
            default: ComparisonOutput.WriteTable(pa, pb, statsA, statsB, SpecFormats.Of(moduleA), SpecFormats.Of(moduleB), s.Q, rows, s.Cluster); break;
        }
        return ExitCodes.Ok;
    }

    /// <summary>Each model's largest batch at <paramref name="context"/> and its tokens/s there, each in whole steps of its
    /// own data-parallel replicas (--passes-b may give the second model another dp).</summary>
    private static ContextRow Structural(Predictor a, Predictor b, long context, long prompt)
    {
        (long, double) AtMax(Predictor p)
        {
            int dp = p.Layout.Dp;
            var probe = p.Predict(new Workload(dp, prompt, context), details: false);
            long perReplica = Math.Min(probe.Memory.MaxBatchPerReplica, 1L << 16);
            if (perReplica < 1) return (0, 0);
            return (perReplica * dp, perReplica * dp / p.TpotSeconds(perReplica, context));
        }
        var (ba, ta) = AtMax(a);
        var (bb, tb) = AtMax(b);
        return new ContextRow(context, ba, ta, bb, tb);
    }
}
