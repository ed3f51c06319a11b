using System;
using System.CommandLine;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl predict FILE --hardware h100-sxm --gpus 8 --batch 64 --prompt 2048 --context 8192</c>: options,
/// then the settings they give (<see cref="Settings"/>), then the prediction and its rendering.</summary>
internal sealed class PredictCommand
{
    private readonly Argument<string> _file = new("file") { Description = ".moe file" };
    private readonly DeploymentOptions _deployment = new();
    private readonly WorkloadOptions _workload = new();
    private readonly Option<long> _output = NumberOptions.Count("--output-tokens", "tokens generated per request, for end-to-end output throughput", 0, min: 0);
    private readonly Option<double?> _slo = NumberOptions.Float("--tpot-slo-ms", "time-per-output-token target: report the best throughput meeting it", FloatRange.Positive());
    private readonly Option<string?> _passes = CommonOptions.Passes();
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv", "csv-ops");
    private readonly SourceOptions _source = new();
    private readonly SpeculationOptions _speculation = new();
    private readonly Option<string?> _routing = new("--routing") { Description = "routing statistics (JSON from route-stats or measured) instead of the assumed expert popularity (--routing-skew)" };
    private readonly Option<string?> _trace = new("--trace") { Description = "write a Chrome/Perfetto trace of one prefill and one decode step (compute and communication streams) to this file" };
    private readonly Plots.PlotOption _plot = new("predict", Plots.PlotKind.Predict);
    private readonly Reports.ReportOption _report = new();

    /// <summary>What the command line asks for, checked: the cluster, profile, deployment (flags merged with --passes),
    /// the user's pipeline and the workload.</summary>
    private sealed record Settings(ClusterChoice Cluster, EfficiencyProfile Efficiency, Deployment Deployment, Pipeline Passes, Workload Workload, string? DraftFile);

    public static Command Create()
    {
        var c = new PredictCommand();
        var cmd = new Command("predict", "Predict serving performance and memory of a model on a cluster.") { c._file, c._output, c._slo, c._passes, c._format, c._routing, c._trace, c._plot.Option, c._report.Option };
        c._source.AddTo(cmd);
        c._workload.AddTo(cmd);
        c._deployment.AddTo(cmd);
        c._speculation.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    /// <summary>The settings, or null after reporting what is wrong (usage errors).</summary>
    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        var (cluster, eff) = _deployment.ResolveCluster(r, diagnostics);
        var (batch, prompt, context) = _workload.Resolve(r, diagnostics);
        var passes = CommonOptions.DeploymentPasses(r.GetValue(_passes), diagnostics);
        var given = _deployment.GivenPassValues(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var dep = cluster is null || eff is null || passes is null ? null : _deployment.ResolveDeployment(given, passes, cluster.Cluster, eff, diagnostics);
        var (speculation, draftFile) = _speculation.Resolve(r, diagnostics);
        if (diagnostics.HasErrors) return null;
        return new Settings(cluster!, eff!, dep!, passes!, new Workload(batch, prompt, context, r.GetValue(_output), r.GetValue(_slo)) { Speculation = speculation }, draftFile);
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        var plots = _plot.Resolve(r, diagnostics);
        var report = _report.Resolve(r, diagnostics);
        DistinctOutputs.Check(diagnostics, [("FILE", r.GetValue(_file)), .. _deployment.InputFiles(r), ("--routing", r.GetValue(_routing)), ("--speculative", s?.DraftFile)],
            [("--trace", r.GetValue(_trace)), ("--report", report), .. DistinctOutputs.Plots(plots)]);
        Driver.Report(diagnostics.Items);
        if (s is null || diagnostics.HasErrors) return ExitCodes.UsageError;

        var module = _source.LoadServed(r, r.GetValue(_file)!, out var loadFailed);
        if (module is null) return loadFailed;
        RoutingStats? stats = null;
        if (r.GetValue(_routing) is { } routingPath)
        {
            try { stats = RoutingStats.Load(routingPath); }
            catch (Exception e) when (e is System.IO.IOException or System.IO.InvalidDataException or UnauthorizedAccessException or InvalidOperationException or FormatException)
            {
                Driver.Report(DiagnosticCatalog.InvalidRoutingStats.At(SourceSpan.None, $"--routing: {e.Message}"));
                return ExitCodes.InputError;
            }
        }
        diagnostics = new DiagnosticBag();
        if (s.Workload.Speculation is { } speculation)
        {
            // The drafter (a draft model, or the model's MTP part) runs on the same GPUs, laid out like the target
            // (engines shard it with the target's TP).
            var draftModule = speculation.Kind == "mtp" ? _source.LoadPart(r, r.GetValue(_file)!, module.Name) : _source.LoadOther(r, s.DraftFile!);
            if (draftModule is null) return ExitCodes.InputError;
            if (speculation.Kind == "draft" && DraftVocabulary.Of(draftModule) is { } draftVocab && DraftVocabulary.Of(module) is { } targetVocab
                && draftVocab.Size != targetVocab.Size)
            {
                Driver.Report(DiagnosticCatalog.DraftVocabularyMismatch.At(draftVocab.Output.Span, draftModule.Name, draftVocab.Size, module.Name, targetVocab.Size));
                return ExitCodes.InputError;
            }
            var drafterDeployment = speculation.DrafterDeployment(s.Deployment);
            var draft = CompiledDeployment.Compile(draftModule, drafterDeployment, s.Passes, diagnostics);
            if (draft is null)
            {
                // A pass's error ("tp=8 does not divide the 4 attention heads") names no model: say it is the drafter's.
                diagnostics.Report(DiagnosticCatalog.DrafterLayout, SourceSpan.None, draftModule.Name,
                    speculation.Kind == "mtp" ? "the model's multi-token-prediction module" : s.DraftFile!, drafterDeployment.Layout.ToString());
                Driver.Report(diagnostics.Items);
                return ExitCodes.InputError;
            }
            s = s with { Workload = s.Workload with { Speculation = speculation with { DraftModel = draft } } };
        }
        var run = Predict(module, s, diagnostics, stats, r.GetValue(_routing));
        if (run is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
        var (prediction, predictor) = run.Value;
        if (r.GetValue(_trace) is { } tracePath)
        {
            var (pre, dec) = predictor.Schedule(s.Workload);
            var json = GraphDsl.Backends.CostModel.Evaluate.ChromeTrace.Write(predictor.Compiled.PrefillPlan, pre, predictor.Compiled.DecodePlan, dec,
                s.Cluster.Cluster.Gpus / Math.Max(1, prediction.Deployment.Layout.Pp));
            if (!Driver.WriteOutput(tracePath, json)) return ExitCodes.InputError;
        }
        var device = s.Cluster.Cluster.Device;
        if (!Plots.PlotOption.Write(plots, kind => Plots.PredictionPlots.Draw(kind, prediction, device))) return ExitCodes.InputError;
        if (report is not null && !Reports.PredictReport.Write(report, prediction, device, predictor, s.Workload)) return ExitCodes.InputError;
        switch (r.GetValue(_format))
        {
            case "json": Console.Out.Write(PredictionJson.Write(prediction, s.Cluster)); break;
            case "csv": Console.Out.Write(PredictionCsv.Summary(prediction, SpecFormats.Of(module))); break;
            case "csv-ops": Console.Out.Write(PredictionCsv.Ops(prediction)); break;
            default: PredictionTable.Write(prediction, SpecFormats.Of(module), s.Cluster); break;
        }
        return ExitCodes.Ok;
    }

    /// <summary>Compiles the deployment and predicts; null (with diagnostics) when the deployment is illegal.</summary>
    private static (Prediction Prediction, Predictor Predictor)? Predict(Module module, Settings s, DiagnosticBag diagnostics, RoutingStats? routing, string? routingPath)
    {
        var compiled = CompiledDeployment.Compile(module, s.Deployment, s.Passes, diagnostics);
        if (compiled is null) return null;
        if (compiled.ExpertLayoutProblem() is { } problem)
        {
            diagnostics.Report(DiagnosticCatalog.ExpertLayoutWithoutExperts, SourceSpan.None, problem);
            return null;
        }
        try
        {
            var predictor = new Predictor(compiled, s.Cluster.Cluster, s.Efficiency);
            if (routing is not null)
            {
                // Redundant slots hold replicas of the hot experts, which share their tokens (EPLB's placement).
                ExpertPlacement? placement;
                try { placement = GraphDsl.Backends.Placement.RoutedLayoutPlacement.For(routing, compiled.Module); }
                catch (GraphDsl.Backends.Placement.PlacementException e)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidRoutingStats, SourceSpan.None, $"--routing {routingPath}: {e.Message}");
                    return null;
                }
                var problems = predictor.UseRouting(routing, placement);
                // Named with the file, as place names its --stats: the problem is the file's.
                foreach (var p in problems) diagnostics.Report(DiagnosticCatalog.InvalidRoutingStats, SourceSpan.None, $"--routing {routingPath}: {p}");
                if (problems.Count > 0) return null;
            }
            return (predictor.Predict(s.Workload), predictor);
        }
        catch (ArgumentException e)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, e.Message);
            return null;
        }
    }
}
