using System;
using System.CommandLine;
using System.Linq;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl predict FILE --hardware h100-sxm --gpus 8 --batch 64 --prompt 2048 --context 8192</c>.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe file" };
        var deployment = new DeploymentOptions();
        var batch = NumberOptions.Count("--batch", "sequences in flight over the whole deployment", 1);
        var prompt = new Option<string>("--prompt") { Description = "prompt tokens per sequence (prefill), e.g. 2048 or 2k", DefaultValueFactory = _ => "2048" };
        var context = new Option<string>("--context") { Description = "tokens in the KV cache at the decode step predicted, e.g. 8192 or 128k", DefaultValueFactory = _ => "4096" };
        var output = NumberOptions.Count("--output-tokens", "tokens generated per request, for end-to-end output throughput", 0, min: 0);
        var slo = NumberOptions.Float("--tpot-slo-ms", "time-per-output-token target: report the best throughput meeting it", FloatRange.Positive());
        var passes = CommonOptions.Passes();
        var format = CommonOptions.Format("table", "table", "json");
        var source = new SourceOptions();
        var routing = new Option<string?>("--routing") { Description = "routing statistics (JSON from route-stats or measured) instead of the assumed expert popularity (--routing-skew)" };
        var trace = new Option<string?>("--trace") { Description = "write a Chrome/Perfetto trace of one prefill and one decode step (compute and communication streams) to this file" };
        var cmd = new Command("predict", "Predict serving performance and memory of a model on a cluster.") { file, batch, prompt, context, output, slo, passes, format, routing, trace };
        source.AddTo(cmd);
        deployment.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var diagnostics = new DiagnosticBag();
            var (cluster, eff, dep) = deployment.Resolve(r, diagnostics);
            if (NumberOptions.SizeProblem("--prompt", r.GetValue(prompt)!, out var promptLen) is { } badPrompt) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badPrompt);
            if (NumberOptions.SizeProblem("--context", r.GetValue(context)!, out var ctxLen) is { } badContext) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badContext);
            CommonOptions.CheckPipeline(r.GetValue(passes), diagnostics);
            if (diagnostics.HasErrors) { Driver.Report(diagnostics.Items); return ExitCodes.UsageError; }

            var module = source.Load(r, r.GetValue(file)!);
            if (module is null) return ExitCodes.InputError;
            var workload = new Workload(r.GetValue(batch), promptLen, ctxLen, r.GetValue(output), r.GetValue(slo));
            GraphDsl.Backends.CostModel.Moe.RoutingStats? stats = null;
            if (r.GetValue(routing) is { } routingPath)
            {
                try { stats = GraphDsl.Backends.CostModel.Moe.RoutingStats.Load(routingPath); }
                catch (Exception e) when (e is System.IO.IOException or System.IO.InvalidDataException or UnauthorizedAccessException or InvalidOperationException or FormatException)
                {
                    Driver.Report(DiagnosticCatalog.InvalidRoutingStats.At(SourceSpan.None, $"--routing: {e.Message}"));
                    return ExitCodes.InputError;
                }
            }
            var run = Run(module, dep!, r.GetValue(passes), cluster!, eff!, workload, diagnostics, stats);
            if (run is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
            var (prediction, predictor) = run.Value;
            if (r.GetValue(trace) is { } tracePath)
            {
                var (pre, dec) = predictor.Schedule(workload);
                var json = GraphDsl.Backends.CostModel.Evaluate.ChromeTrace.Write(predictor.Compiled.PrefillPlan, pre, predictor.Compiled.DecodePlan, dec,
                    cluster!.Gpus / Math.Max(1, dep!.Pp));
                if (!Driver.WriteOutput(tracePath, json)) return ExitCodes.InputError;
            }
            if (r.GetValue(format) == "json") Console.Out.Write(PredictionJson.Write(prediction));
            else PredictionTable.Write(prediction);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Compiles the deployment and predicts; null (with diagnostics) when the deployment is illegal.</summary>
    public static (Prediction Prediction, Predictor Predictor)? Run(Module module, Deployment dep, string? passes, GraphDsl.Backends.CostModel.Hardware.Cluster cluster,
        EfficiencyProfile eff, Workload workload, DiagnosticBag diagnostics, GraphDsl.Backends.CostModel.Moe.RoutingStats? routing = null)
    {
        var compiled = CompiledDeployment.Compile(module, dep, passes, diagnostics);
        if (compiled is null) return null;
        try
        {
            var predictor = new Predictor(compiled, cluster, eff);
            if (routing is not null)
            {
                var problems = predictor.UseRouting(routing);
                foreach (var p in problems) diagnostics.Report(DiagnosticCatalog.InvalidRoutingStats, SourceSpan.None, "--routing: " + p);
                if (problems.Count > 0) return null;
            }
            return (predictor.Predict(workload), predictor);
        }
        catch (ArgumentException e)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, e.Message);
            return null;
        }
    }
}
