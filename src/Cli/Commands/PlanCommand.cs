using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Planning.Engines;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl plan FILE --hardware h200-sxm --gpus 8,16,32 --workload poisson:rate=10,prompt=2048,output=256
/// --slo ttft=2000,tpot=50 [--export vllm --export-dir out]</c>: searches aggregated deployments (layouts, formats,
/// scheduler limits), screens them with the step model, simulates those near the front, and prints the Pareto front,
/// the best plan meeting the SLO and why its rivals lost (docs/serving.md, "Planning"); optionally writes the plan as
/// engine launch files.</summary>
internal sealed class PlanCommand
{
    private readonly Argument<string> _file = new("file") { Description = ".moe file" };
    private readonly DeploymentOptions _deployment = new(lists: true);
    private readonly SourceOptions _source = new();
    private readonly Plots.PlotOption _plot = new("plan", Plots.PlotKind.Plan);
    private readonly Option<string?> _passes = CommonOptions.Passes();
    private readonly Option<string> _workload = new("--workload")
    {
        Description = "traffic: poisson:rate=R,prompt=P,output=O | concurrency:C,prompt=P,output=O | offline:N,prompt=P,output=O", Required = true,
    };
    private readonly Option<string> _slo = new("--slo") { Description = "latency targets a plan must meet at p90: ttft=MS,tpot=MS (either or both)", Required = true };
    private readonly Option<long> _requests = NumberOptions.Count("--requests", $"requests simulated per candidate (default {PlanSearch.DefaultRequests}; offline's N)", PlanSearch.DefaultRequests, min: 1);
    private readonly Option<long> _seed = NumberOptions.Count("--seed", "seed of the request lengths and arrivals (SplitMix64)", 0, min: 0);
    private readonly Option<long> _simulate = NumberOptions.Count("--simulate", $"candidates simulated after the screen (at most {PlanSearch.MaxSimulated})", PlanSearch.DefaultSimulated, min: 1);
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv");
    private readonly Option<string?> _output = CommonOptions.Output();
    private readonly Option<string?> _export = new("--export") { Description = "write the best plan's launch files: vllm, sglang, trtllm or dynamo (comma-separated for several)" };
    private readonly Option<string?> _exportDir = new("--export-dir") { Description = "folder the launch files are written to (created if missing)" };
    private readonly Option<string> _kinds = new("--kinds")
    {
        Description = "kinds of serving to search: aggregated (one engine), disaggregated (xPyD prefill and decode instances), or both (comma-separated)",
        DefaultValueFactory = _ => "aggregated,disaggregated",
    };
    private readonly Option<string?> _exportModel = new("--export-model") { Description = "the model as the engines load it (checkpoint path or Hugging Face id; default: the model's name)" };

    private sealed record Settings(List<PlanTarget> Targets, string[] Weights, string[] Kv, LayoutChoices Layouts, Pipeline Passes,
        WorkloadSpec Workload, SloSpec Slo, long Requests, ulong Seed, int Simulate, string[] Exports, string? ExportDir, PlanKind[] Kinds);

    public static Command Create()
    {
        var c = new PlanCommand();
        var cmd = new Command("plan", "Search deployments for a workload and SLO: the Pareto front of tokens/s per GPU against per user, the best plan, and its engine launch files.")
        {
            c._file, c._workload, c._slo, c._requests, c._seed, c._simulate, c._kinds, c._passes, c._format, c._output, c._export, c._exportDir, c._exportModel, c._plot.Option,
        };
        c._source.AddTo(cmd);
        c._deployment.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        void Usage(string message) => diagnostics.Report(DiagnosticCatalog.InvalidPlanOption, SourceSpan.None, message);
        var gpuCounts = _deployment.GpuCounts(r, diagnostics, DiagnosticCatalog.InvalidOption);
        foreach (var g in gpuCounts.Where(g => g > PlanSpace.MaxGpus))
            Usage($"--gpus {g} is more than {PlanSpace.MaxGpus}, the most GPUs plan lays one engine over: its batch and token budget per replica times the data-parallel replicas must stay within {SchedulerSpec.MaxLimit} (2^24); plan a part of the fleet and run copies of it");
        var catalog = _deployment.Catalog(r, diagnostics);
        var devices = catalog is null ? new List<Device>() : _deployment.Devices(r, catalog, diagnostics);
        var targets = new List<PlanTarget>();
        foreach (var d in devices)
        {
            var eff = _deployment.Efficiency(r, diagnostics, d);
            if (eff is null) break;
            foreach (var g in gpuCounts)
                if (ClusterChoice.For(d, g, r.GetValue(_deployment.Nodes), diagnostics) is { } cluster) targets.Add(new PlanTarget(cluster.Cluster, eff));
        }
        var passes = CommonOptions.DeploymentPasses(r.GetValue(_passes), diagnostics);
        foreach (var fixedPass in new[] { "parallelize", "quantize" })
            if (passes is not null && passes.Composed(fixedPass, diagnostics, out _) is not null)
                Usage($"--passes: plan searches the layout and formats itself; give {fixedPass}'s choices as flags (--tp, --ep, --dp, --pp, --redundant-experts, --weights, --kv)");
        var given = _deployment.GivenPassValues(r, diagnostics, DiagnosticCatalog.InvalidOption)
            .ToDictionary(kv => kv.Key.Key, kv => kv.Value);
        int[]? Ints(string key) => given.TryGetValue(key, out var v) ? v.Select(int.Parse).ToArray() : null;
        string[] Formats(string key) => given.TryGetValue(key, out var v) ? v : new[] { GraphDsl.Ir.Types.NumericFormat.Keep };
        var layouts = new LayoutChoices(Ints("tp"), Ints("ep"), Ints("dp"), Ints("pp"), Ints("redundant"), given.GetValueOrDefault("moe_comm"));
        var workload = WorkloadSpec.Parse(r.GetValue(_workload)!, diagnostics);
        var slo = SloSpec.Parse(r.GetValue(_slo)!, diagnostics);
        if (workload?.Kind == WorkloadKind.Trace)
            Usage("--workload trace: plan simulates synthetic traffic (poisson, concurrency or offline) so every candidate sees the same requests; describe the trace's rate and lengths instead");
        // Every candidate used to be simulated and then dropped with "no request completed with more than one output token".
        else if (workload is not null && workload.Output.Max < 2)
            Usage($"--workload {workload}: plan ranks deployments by output tokens/s per GPU and per user (1000 / TPOT), and a request of one output token has no TPOT; give output=2 or more");
        long simulate = r.GetValue(_simulate);
        if (simulate > PlanSearch.MaxSimulated) Usage($"--simulate {simulate} is more than {PlanSearch.MaxSimulated}, the most candidates one plan simulates");
        var exports = (r.GetValue(_export) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var e in exports.Where(e => !EngineSpec.Names.Contains(e)))
            Usage($"--export: unknown engine '{e}'{GraphDsl.Ir.Suggest.DidYouMean(e, EngineSpec.Names)}; known: {string.Join(", ", EngineSpec.Names)}");
        if (exports.Length > 0 && r.GetValue(_exportDir) is null) Usage("--export needs --export-dir DIR, the folder its launch files are written to");
        if (exports.Length == 0 && r.GetValue(_exportDir) is not null) Usage("--export-dir is given without --export ENGINE");
        // A line break in the model ends the launch script's comment and quoting: the files' own check refused them, blaming a file.
        // YAML's readers also break lines at U+0085, U+2028 and U+2029, which are not control characters (ExportText).
        if (r.GetValue(_exportModel) is { } model && (model.Trim().Length == 0 || ExportText.HasUnsafe(model)))
            Usage($"--export-model '{ExportText.Comment(model.ReplaceLineEndings(" "))}': expected a checkpoint path or Hugging Face id, one line without control characters");
        var kinds = new List<PlanKind>();
        foreach (var k in r.GetValue(_kinds)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (Array.IndexOf(KindNames, k) is var i and >= 0) { if (!kinds.Contains(Enum.GetValues<PlanKind>()[i])) kinds.Add(Enum.GetValues<PlanKind>()[i]); }
            else Usage($"--kinds: unknown kind '{k}'; known: {string.Join(", ", KindNames)}{GraphDsl.Ir.Suggest.DidYouMean(k, KindNames)}");
        if (kinds.Count == 0 && !diagnostics.HasErrors) Usage($"--kinds: name at least one of {string.Join(", ", KindNames)}");
        if (diagnostics.HasErrors || workload is null || slo is null || passes is null) return null;
        long requests = workload.Kind == WorkloadKind.Offline ? workload.Count : r.GetValue(_requests);
        return new Settings(targets, Formats("weights"), Formats("kv"), layouts, passes, workload, slo, requests, (ulong)r.GetValue(_seed), (int)simulate,
            exports, r.GetValue(_exportDir), kinds.ToArray());
    }

    private static readonly string[] KindNames = Enum.GetNames<PlanKind>().Select(n => n.ToLowerInvariant()).ToArray();

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

        var moe = MoeLayers.Of(module);
        var search = new PlanSearch(s.Targets, s.Weights, s.Kv, s.Layouts, moe.Count > 0 ? moe[0].Experts : 0, s.Workload, s.Slo, s.Requests, s.Seed,
            (dep, diag) => CompiledDeployment.Compile(module, dep, s.Passes, diag)) { Simulate = s.Simulate };
        var compiled = new CompiledDeployments();
        var families = s.Kinds.Select(k => k == PlanKind.Aggregated ? (ICandidateFamily)new AggregatedFamily(compiled) : new DisaggregatedFamily(compiled)).ToList();
        if (Bound(search, families) is { } tooLarge)
        {
            Driver.Report(DiagnosticCatalog.PlanSearchTooLarge.At(SourceSpan.None, tooLarge));
            return ExitCodes.UsageError;
        }
        var clock = Stopwatch.StartNew();
        PlanResult result;
        using (ProgressLine.Start("plan: searching")) result = Planner.Run(search, families);
        clock.Stop();
        if (result.Fitting == 0)
        {
            var why = result.Rivals.FirstOrDefault()?.Reason ?? "no layout uses exactly the GPUs given";
            Driver.Report(DiagnosticCatalog.NoPlanCandidate.At(SourceSpan.None, $"none of the {result.Screened} candidate(s) of {module.Name} on {Describe(s.Targets)} can serve {s.Workload}: {why}"));
            return ExitCodes.InputError;
        }
        if (result.Best is null)
            Driver.Report(DiagnosticCatalog.NoPlanMeetsSlo.At(SourceSpan.None,
                $"none of the {result.Simulated.Count} simulated candidate(s) meets {PlanOutput.Slo(s.Slo)}; the front and why each missed are below"));
        var header = new PlanHeader(module.Name, s.Workload, s.Slo, s.Requests, s.Seed, Describe(s.Targets), s.Simulate, clock.Elapsed.TotalSeconds) { Formats = SpecFormats.Of(module) };
        var text = r.GetValue(_format) switch
        {
            "json" => PlanOutput.Json(header, result, s.Slo),
            "csv" => PlanOutput.Csv(header, result, s.Slo),
            _ => PlanOutput.Table(header, result, s.Slo),
        };
        if (!Driver.WriteOutput(r.GetValue(_output), text)) return ExitCodes.InputError;
        if (!Plots.PlotOption.Write(plots, kind => Plots.ServingPlots.Plan(kind, module.Name, s.Workload, result, s.Slo))) return ExitCodes.InputError;
        return s.Exports.Length == 0 ? ExitCodes.Ok : Export(r, s, module, search, result);
    }

    /// <summary>Why the search is too large to run (more deployments to compile or requests to simulate than the bounds), or null.</summary>
    private static string? Bound(PlanSearch search, IReadOnlyList<ICandidateFamily> families)
    {
        long deployments = families.SelectMany(f => f.Deployments(search)).Distinct().LongCount();
        if (deployments > PlanSearch.MaxDeployments)
            return $"{deployments} deployments to compile (devices x GPU counts x layouts x formats); the limit is {PlanSearch.MaxDeployments}: give fewer --gpus, or fix --tp, --ep, --weights or --kv";
        if (deployments == 0)
            return "no layout uses exactly the GPUs given with the values fixed (tp x dp x pp = gpus, ep dividing tp x dp and the experts)"
                + (families.Any(f => f.Kind == PlanKind.Disaggregated) ? ", and no xPyD split does (a prefill and a decode instance, each a power of two of GPUs within a node or whole nodes)" : "");
        double requests = (double)search.Requests * search.Simulate;
        if (requests > PlanSearch.MaxSimulatedRequests)
            return $"{search.Requests} requests x {search.Simulate} simulated candidates = {requests:0} simulated requests; the limit is {PlanSearch.MaxSimulatedRequests}";
        return null;
    }

    private static string Describe(List<PlanTarget> targets) =>
        string.Join("; ", targets.GroupBy(t => t.Cluster.Device.Id).Select(g => $"{g.Key} x {string.Join(",", g.Select(t => t.Cluster.Gpus))}"));

    /// <summary>Writes the best plan's launch files for each engine asked for, after checking them against the engine's data file.</summary>
    private int Export(ParseResult r, Settings s, Module module, PlanSearch search, PlanResult result)
    {
        if (result.Best is not { } best)
        {
            Driver.Report(DiagnosticCatalog.CannotExport.At(SourceSpan.None, "no plan meets the SLO, so there is nothing to export; loosen --slo or add GPUs"));
            return ExitCodes.InputError;
        }
        var plan = best.Candidate;
        string? map = null;
        if (plan.Deployment.Layout.Redundant > 0 && s.Exports.Any(e => e is "sglang" or "dynamo"))
            map = PlanExpertMap.Write(module, plan, search.Seed);
        var engineFlag = r.GetValue(_deployment.Engine);
        var request = new ExportRequest(plan, r.GetValue(_exportModel) ?? module.Name, search.Experts, map, engineFlag == "sglang" ? "sglang" : "vllm");
        var dir = s.ExportDir!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Driver.Report(DiagnosticCatalog.CannotWrite.At(SourceSpan.None, dir, e.Message));
            return ExitCodes.InputError;
        }
        foreach (var engine in s.Exports)
        {
            IReadOnlyList<ExportFile> files;
            IReadOnlyList<string> problems;
            try { files = EngineExport.Write(engine, request, out problems); }
            catch (ExportException e) { Driver.Report(DiagnosticCatalog.CannotExport.At(SourceSpan.None, $"{engine}: {e.Message}")); return ExitCodes.InputError; }
            if (problems.Count > 0)
            {
                Driver.Report(problems.Select(p => DiagnosticCatalog.ExportCheckFailed.At(SourceSpan.None, $"{engine}: {p}")));
                return ExitCodes.InputError;
            }
            foreach (var f in files)
                if (!Driver.WriteOutput(Path.Combine(dir, f.Name), f.Text)) return ExitCodes.InputError;
            Console.Error.WriteLine($"graphdsl: wrote {string.Join(", ", files.Select(f => Path.Combine(dir, f.Name)))} ({engine}, checked against {EngineSpec.Load(engine).Version})");
        }
        return ExitCodes.Ok;
    }
}
