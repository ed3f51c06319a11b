using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary>
/// <c>graphdsl sweep FILE --hardware h100-sxm,h200-sxm --gpus 8,16 --batch 1,8,64,256 --context 4k,32k,128k --tp 1,2,4,8</c>:
/// every combination, each deployment compiled once; CSV or JSON; the best feasible configuration
/// (most decode tokens/s per GPU, within the TPOT SLO when one is given) is marked. Combinations that cannot be
/// deployments (tp x dp x pp other than the GPU count, ep not dividing tp x dp) or workloads (a context shorter
/// than the prompt) are skipped and counted (<see cref="SweepSkips"/>), never silently.
/// </summary>
internal sealed class SweepCommand
{
    /// <summary>
    /// The most rows a sweep may produce (pipelines x layouts x devices x prompts x contexts x batches). Every
    /// row is kept until the best is known: a million rows of Llama 3 8B take about 4 s, 0.75 GB of memory
    /// and 130 MB of CSV, so the limit keeps a mistyped list (or a long generated one) from exhausting memory.
    /// The candidate layouts (GPU counts x the layout and format lists, before those not using exactly their GPU count
    /// are dropped) are bounded by the same number, so enumerating them stays cheap.
    /// </summary>
    public const long MaxSweepPoints = 1_000_000;

    /// <summary>
    /// The most (pipeline, layout) pairs a sweep compiles. Each runs the whole pass pipeline (about 10 ms for
    /// DeepSeek-V3), so this bounds compilation to a minute or so; real sweeps compile a few hundred.
    /// </summary>
    public const long MaxSweepDeployments = 4096;

    private readonly Argument<string> _file = new("file") { Description = ".moe file" };
    private readonly DeploymentOptions _deployment = new(lists: true);
    private readonly Option<string> _batch = new("--batch") { Description = "batches (whole deployment), comma-separated", DefaultValueFactory = _ => "1,8,64,256" };
    private readonly Option<string> _context = new("--context") { Description = "contexts, comma-separated, e.g. 4k,32k,128k (a context shorter than a prompt skips that pair)", DefaultValueFactory = _ => "4k" };
    private readonly Option<string> _prompt = new("--prompt") { Description = "prompt lengths for prefill, comma-separated", DefaultValueFactory = _ => "2048" };
    private readonly Option<double?> _slo = NumberOptions.Float("--tpot-slo-ms", "only configurations meeting this TPOT can be best", FloatRange.Positive());
    private readonly Option<string?> _passes = new("--passes") { Description = "pipelines to compare, separated by ';' (a parallelize or quantize in one merges with the flags; see docs/passes.md)" };
    private readonly Option<string> _format = CommonOptions.Format("csv", "csv", "json", "markdown");
    private readonly Option<string?> _output = CommonOptions.Output();
    private readonly SourceOptions _source = new();
    private readonly Plots.PlotOption _plot = new("sweep", Plots.PlotKind.Sweep);

    /// <summary>One --passes pipeline: as written, as a value, and the layout and format choices it merges with the flags.</summary>
    private sealed record SweepPipeline(string Text, Pipeline Passes, DeploymentChoices Choices);

    /// <summary>One deployment to compile: a pipeline and a layout on a GPU count.</summary>
    private sealed record Job(SweepPipeline Pipeline, int Gpus, Deployment Deployment);

    private sealed record Settings(List<Job> Jobs, List<ClusterChoice> Clusters, Func<Device, EfficiencyProfile> Efficiency, long[] Batches,
        List<(long Prompt, long Context)> Workloads, double? Slo, SweepSkips Skips);

    public static Command Create()
    {
        var c = new SweepCommand();
        var cmd = new Command("sweep", "Evaluate every combination of hardware, GPU count, layout, formats, batch and context.")
            { c._file, c._batch, c._context, c._prompt, c._slo, c._passes, c._format, c._output, c._plot.Option };
        c._source.AddTo(cmd);
        c._deployment.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        long[] Sizes(Option<string> o) => List(r.GetValue(o)!, o.Name, diagnostics);
        var batches = Sizes(_batch); var contexts = Sizes(_context); var prompts = Sizes(_prompt);
        var gpuCounts = _deployment.GpuCounts(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var catalog = _deployment.Catalog(r, diagnostics);
        var devices = catalog is null ? new List<Device>() : _deployment.Devices(r, catalog, diagnostics);
        // One profile per device: --engine picks the engine's CUDA or ROCm profile by the device's vendor.
        var efficiencies = new Dictionary<Device, EfficiencyProfile?>();
        foreach (var d in devices)
        {
            efficiencies[d] = _deployment.Efficiency(r, diagnostics, d);
            if (efficiencies[d] is null) break; // one report of a flag problem, not one per device
        }
        var eff = devices.Count > 0 ? efficiencies[devices[0]] : _deployment.Efficiency(r, diagnostics, null);
        var given = _deployment.GivenPassValues(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var pipelines = new List<SweepPipeline>();
        foreach (var text in (r.GetValue(_passes) ?? "").Split(';').Select(x => x.Trim()))
            if (CommonOptions.DeploymentPasses(text, diagnostics) is { } passes && DeploymentChoices.Merge(_deployment.PassKeys, given, passes, diagnostics) is { } choices)
                pipelines.Add(new SweepPipeline(text, passes, choices));
        var clusters = devices.SelectMany(d => gpuCounts.Select(g => ClusterChoice.For(d, g, r.GetValue(_deployment.Nodes), diagnostics))).OfType<ClusterChoice>().ToList();
        if (diagnostics.HasErrors) return null;

        double candidates = pipelines.Max(p => p.Choices.Candidates) * gpuCounts.Length;
        if (candidates > MaxSweepPoints)
            return TooLarge(diagnostics, $"--gpus x the layout and format lists = {gpuCounts.Length} x {pipelines.Max(p => p.Choices.Candidates):0} = {candidates:0} candidate layouts; the limit is {MaxSweepPoints}");
        var jobs = new List<Job>();
        long otherGpuCount = 0, epNotDividing = 0;
        foreach (var pipeline in pipelines)
            foreach (var gpus in gpuCounts)
            {
                var layouts = pipeline.Choices.For(gpus, eff!.MoeComm, out var other);
                otherGpuCount += other;
                foreach (var d in layouts)
                    if ((long)d.Layout.Tp * d.Layout.Dp % d.Layout.Ep != 0) epNotDividing++;
                    else jobs.Add(new Job(pipeline, gpus, d));
            }
        var workloads = prompts.SelectMany(p => contexts.Where(c => c >= p).Select(c => (p, c))).ToList();
        var skips = new SweepSkips((long)pipelines.Sum(p => p.Choices.Candidates) * gpuCounts.Length, otherGpuCount, epNotDividing, 0,
            (long)prompts.Length * contexts.Length - workloads.Count, (long)prompts.Length * contexts.Length);
        if (jobs.Count == 0)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None,
                $"no layout uses exactly {string.Join(" or ", gpuCounts)} GPUs (tp x dp x pp) with ep dividing tp x dp ({string.Join("; ", skips.Sentences())})");
            return null;
        }
        if (workloads.Count == 0)
        {
            diagnostics.Report(DiagnosticCatalog.ContextShorterThanPrompt, SourceSpan.None, "every --context",
                $"every --prompt (longest context {contexts.Max()}, shortest prompt {prompts.Min()})", "");
            return null;
        }
        double deployments = jobs.Count;
        if (deployments > MaxSweepDeployments)
            return TooLarge(diagnostics, $"{pipelines.Count} pipeline(s) x their layouts = {deployments:0} deployments to compile; the limit is {MaxSweepDeployments}");
        double points = jobs.Count * (double)devices.Count * workloads.Count * batches.Length;
        if (points > MaxSweepPoints)
            return TooLarge(diagnostics, $"{deployments:0} deployment(s) x {devices.Count} device(s) x {workloads.Count} (prompt, context) pair(s) x {batches.Length} batch(es) = {points:0} configurations; the limit is {MaxSweepPoints}");
        return new Settings(jobs, clusters, d => efficiencies[d]!, batches, workloads, r.GetValue(_slo), skips);
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        var plots = _plot.Resolve(r, diagnostics);
        DistinctOutputs.Check(diagnostics, [("FILE", r.GetValue(_file)), .. _deployment.InputFiles(r)], [("-o", r.GetValue(_output)), .. DistinctOutputs.Plots(plots)]);
        Driver.Report(diagnostics.Items);
        if (s is null || diagnostics.HasErrors) return ExitCodes.UsageError;

        var module = _source.LoadServed(r, r.GetValue(_file)!, out var loadFailed);
        if (module is null) return loadFailed;
        var rows = new List<SweepRow>();
        long refused = 0;
        long total = s.Jobs.Sum(j => (long)s.Clusters.Count(c => c.Cluster.Gpus == j.Gpus)) * s.Workloads.Count * s.Batches.Length;
        using (var progress = ProgressLine.Start("sweep", total)) refused = Evaluate(module, s, rows, progress.Set);

        var skips = s.Skips with { RefusedByPass = refused };
        if (skips.Any) Driver.Report(DiagnosticCatalog.SweepSkipped.At(SourceSpan.None, string.Join("; ", skips.Sentences())));
        var best = rows.Where(x => x.Error.Length == 0 && x.Point.Feasible && (s.Slo is null || x.Point.TpotMs <= s.Slo))
            .OrderByDescending(x => x.Point.TokensPerSecondPerGpu).FirstOrDefault();
        var profiles = s.Clusters.Select(c => c.Cluster.Device).Distinct().ToDictionary(d => d.Id, d => s.Efficiency(d).Label);
        var text = r.GetValue(_format) switch
        {
            "json" => SweepOutput.Json(rows, best, s.Slo, skips, profiles),
            "markdown" => SweepOutput.Markdown(rows, best, skips, profiles),
            _ => SweepOutput.Csv(rows, best, s.Slo, skips, profiles),
        };
        if (!Driver.WriteOutput(r.GetValue(_output), text)) return ExitCodes.InputError;
        if (!Plots.PlotOption.Write(plots, kind => Plots.ServingPlots.Sweep(kind, module.Name, rows, best, s.Slo))) return ExitCodes.InputError;
        if (r.GetValue(_output) is not null)
            Console.Error.WriteLine(best is null
                ? rows.Any(x => x.Error.Length == 0 && x.Point.Feasible)
                    ? $"no feasible configuration meets the TPOT target of {s.Slo!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} ms"
                    : "no feasible configuration" :
                $"best: {best.Device} x {best.Gpus} ({best.Nodes} node(s)) {best.Dep} batch {best.Batch} prompt {best.Prompt} context {best.Context}: " +
                $"{best.Point.TokensPerSecondPerGpu:F1} tokens/s/GPU, TPOT {best.Point.TpotMs:F2} ms");
        return ExitCodes.Ok;
    }

    /// <summary>Compiles each deployment once and evaluates it on every cluster, workload and batch, adding a row for each
    /// (with the reason where it cannot be evaluated); <paramref name="progress"/> gets the rows done after each cluster.
    /// Returns how many deployments a pass refused.</summary>
    private static long Evaluate(Module module, Settings s, List<SweepRow> rows, Action<long> progress)
    {
        long refused = 0;
        foreach (var job in s.Jobs)
        {
            var diag = new DiagnosticBag();
            var compiled = CompiledDeployment.Compile(module, job.Deployment, job.Pipeline.Passes, diag);
            if (compiled?.ExpertLayoutProblem() is { } noExperts)
            {
                diag.Report(DiagnosticCatalog.ExpertLayoutWithoutExperts, SourceSpan.None, noExperts);
                compiled = null;
            }
            if (compiled is null) refused++;
            var dep = compiled?.Deployment ?? job.Deployment;
            foreach (var cluster in s.Clusters.Where(c => c.Cluster.Gpus == job.Gpus).Select(c => c.Cluster))
            {
                SweepEvaluator? evaluator = null;
                if (compiled is not null)
                    try { evaluator = new SweepEvaluator(compiled, cluster, s.Efficiency(cluster.Device)); }
                    catch (ArgumentException e) { diag.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, e.Message); }
                foreach (var (prompt, context) in s.Workloads)
                    foreach (var b in s.Batches)
                    {
                        SweepRow Row(SweepPoint point, string error) => new(job.Pipeline.Text, cluster.Device.Id, cluster.Gpus, cluster.Nodes, dep, b, prompt, context, point, error);
                        if (evaluator is null) { rows.Add(Row(default, string.Join("; ", diag.Items.Select(x => x.Message)))); continue; }
                        int split = compiled!.DecodePlan.Nanobatches;
                        if (b % dep.Layout.Dp != 0 || b / dep.Layout.Dp % split != 0) { rows.Add(Row(default, $"batch {b} is not a multiple of dp {dep.Layout.Dp} x {split} nano-batch(es)")); continue; }
                        rows.Add(Row(evaluator.Evaluate(b, prompt, context), ""));
                    }
                progress(rows.Count);
            }
        }
        return refused;
    }

    /// <summary>Positive sizes (4096, 4k, 128k) of a comma-separated list.</summary>
    private static long[] List(string text, string name, DiagnosticBag diagnostics)
    {
        var values = NumberOptions.Sizes(text, name, DiagnosticCatalog.InvalidSweep, diagnostics);
        if (values.Count == 0) diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, $"{name} lists no value");
        return values.ToArray();
    }

    private static Settings? TooLarge(DiagnosticBag diagnostics, string message)
    {
        diagnostics.Report(DiagnosticCatalog.InvalidSweep, SourceSpan.None, "the sweep is too large: " + message + " (split it into several sweeps)");
        return null;
    }
}
