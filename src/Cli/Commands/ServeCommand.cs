using System.Linq;
using System;
using System.CommandLine;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving;
using GraphDsl.Backends.Serving.Disaggregation;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl serve FILE --hardware h100-sxm --gpus 8 --workload poisson:rate=2,prompt=1024,output=128
/// --scheduler chunked{budget=512}</c>: the deployment options of predict, the traffic and the scheduler as specs, then
/// the simulation (docs/serving.md) and its report as a table, JSON or CSV.</summary>
internal sealed class ServeCommand
{
    /// <summary>Requests simulated when the workload does not say (a Poisson rate or a concurrency) and --requests is not given.</summary>
    public const long DefaultRequests = 1000;

    private readonly Argument<string> _file = new("file") { Description = ".moe file" };
    private readonly DeploymentOptions _deployment = new();
    private readonly SourceOptions _source = new();
    private readonly Option<string?> _passes = CommonOptions.Passes();
    private readonly Option<string> _workload = new("--workload")
    {
        Description = "traffic: poisson:rate=R,prompt=P,output=O | concurrency:C,prompt=P,output=O | offline:N,prompt=P,output=O | trace:FILE.jsonl; "
            + "lengths are N (4096, 4k), uniform:LO-HI or lognormal:MEAN,SIGMA",
        Required = true,
    };
    private readonly Option<string> _scheduler = new("--scheduler")
    {
        Description = "static{max_batch=N} | continuous{max_batch=N,max_tokens=T} | chunked{budget=T,max_batch=N} | "
            + "disagg{prefill=tp4x2,decode=tp8x1,max_batch=N,max_tokens=T} | colocated{prefill_share=S,max_batch=N,max_tokens=T}; "
            + "static, continuous and chunked take prefix_caching=on (off by default)", DefaultValueFactory = _ => "continuous",
    };
    private readonly Option<string?> _slo = new("--slo") { Description = "latency targets for goodput: ttft=MS,tpot=MS (either or both)" };
    private readonly Option<long> _requests = NumberOptions.Count("--requests", $"requests to simulate (default: offline's N, a trace's lines, else {DefaultRequests})", 0, min: 1);
    private readonly Option<long> _seed = NumberOptions.Count("--seed", "seed of the request lengths and arrivals (SplitMix64)", 0, min: 0);
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv");
    private readonly Option<string?> _output = CommonOptions.Output();
    private readonly Option<string?> _trace = new("--trace") { Description = "write the engine's step schedule as a Chrome/Perfetto trace to this file" };
    private readonly Plots.PlotOption _plot = new("serve", Plots.PlotKind.Serve);
    private readonly Option<string?> _timeSeries = new("--time-series") { Description = "write the run per second (running, waiting, batch, KV utilisation, tokens/s) as CSV to this file" };

    /// <summary>What the command line asks for, checked.</summary>
    private sealed record Settings(ClusterChoice Cluster, EfficiencyProfile Efficiency, Deployment Deployment, Pipeline Passes,
        WorkloadSpec Workload, SchedulerSpec Scheduler, SloSpec? Slo, long Requests, ulong Seed);

    public static Command Create()
    {
        var c = new ServeCommand();
        var cmd = new Command("serve", "Simulate an engine serving traffic on a deployment: latency percentiles, throughput and goodput.")
        {
            c._file, c._workload, c._scheduler, c._slo, c._requests, c._seed, c._passes, c._format, c._output, c._trace, c._timeSeries, c._plot.Option,
        };
        c._source.AddTo(cmd);
        c._deployment.AddTo(cmd);
        cmd.SetAction(c.Run);
        return cmd;
    }

    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        var (cluster, eff) = _deployment.ResolveCluster(r, diagnostics);
        var passes = CommonOptions.DeploymentPasses(r.GetValue(_passes), diagnostics);
        var given = _deployment.GivenPassValues(r, diagnostics, DiagnosticCatalog.InvalidOption);
        var dep = cluster is null || eff is null || passes is null ? null : _deployment.ResolveDeployment(given, passes, cluster.Cluster, eff, diagnostics);
        var workload = WorkloadSpec.Parse(r.GetValue(_workload)!, diagnostics);
        var scheduler = SchedulerSpec.Parse(r.GetValue(_scheduler)!, diagnostics);
        var slo = r.GetValue(_slo) is { } sloText ? SloSpec.Parse(sloText, diagnostics) : null;
        long? asked = r.GetResult(_requests) is { Implicit: false } ? r.GetValue(_requests) : null;
        if (asked > WorkloadSpec.MaxRequests)
            diagnostics.Report(DiagnosticCatalog.ServeOptionConflict, SourceSpan.None, $"--requests {asked} is more than {WorkloadSpec.MaxRequests:N0}, the most one simulation runs");
        if (workload?.Kind == WorkloadKind.Offline && asked is { } n && n != workload.Count)
            diagnostics.Report(DiagnosticCatalog.ServeOptionConflict, SourceSpan.None, $"--requests {n} contradicts --workload offline:{workload.Count}; give the count once");
        if (scheduler is not null && cluster is not null) ServeEngines.Check(scheduler, cluster.Cluster, given.Keys.Select(k => k.Key), diagnostics);
        if (diagnostics.HasErrors) return null;
        long requests = workload!.Kind switch
        {
            WorkloadKind.Offline => workload.Count,
            WorkloadKind.Trace => asked ?? WorkloadSpec.MaxRequests,
            _ => asked ?? DefaultRequests,
        };
        return new Settings(cluster!, eff!, dep!, passes!, workload, scheduler!, slo, requests, (ulong)r.GetValue(_seed));
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        var plots = _plot.Resolve(r, diagnostics);
        DistinctOutputs.Check(diagnostics, [("FILE", r.GetValue(_file)), .. _deployment.InputFiles(r), ("--workload", s?.Workload is { Kind: WorkloadKind.Trace } w ? w.TracePath : null)],
            [("-o", r.GetValue(_output)), ("--trace", r.GetValue(_trace)), ("--time-series", r.GetValue(_timeSeries)), .. DistinctOutputs.Plots(plots)]);
        Driver.Report(diagnostics.Items);
        if (s is null || diagnostics.HasErrors) return ExitCodes.UsageError;

        var module = _source.LoadServed(r, r.GetValue(_file)!, out var loadFailed);
        if (module is null) return loadFailed;
        diagnostics = new DiagnosticBag();
        // Disaggregated instances are compiled on their own layouts (ServeEngines), not on the whole cluster's.
        Predictor? predictor = null;
        var deployment = s.Deployment;
        if (s.Scheduler.Kind != SchedulerKind.Disaggregated)
        {
            var compiled = CompiledDeployment.Compile(module, s.Deployment, s.Passes, diagnostics);
            if (compiled is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
            deployment = compiled.Deployment;
            try { predictor = new Predictor(compiled, s.Cluster.Cluster, s.Efficiency); }
            catch (ArgumentException e) { Driver.Report(DiagnosticCatalog.InvalidWorkload.At(SourceSpan.None, e.Message)); return ExitCodes.InputError; }
        }

        RequestSource source;
        TraceSource? trace = null;
        double meanLength;
        if (s.Workload.Kind == WorkloadKind.Trace)
        {
            trace = TraceSource.Open(s.Workload.TracePath, s.Requests, diagnostics);
            if (trace is null) { Driver.Report(diagnostics.Items); return ExitCodes.InputError; }
            source = trace;
            meanLength = trace.MeanLength;
        }
        else
        {
            source = new SyntheticSource(s.Workload, s.Requests, s.Seed);
            meanLength = s.Workload.Prompt.Mean + s.Workload.Output.Mean;
        }
        using var _ = trace;
        var simulation = ServeEngines.Prepare(module, s.Deployment, s.Passes, predictor, s.Cluster.Cluster, s.Efficiency, s.Scheduler, meanLength,
            ServingSimulation.LongestRequest(s.Workload), diagnostics, out var reason);
        if (simulation is null)
        {
            Driver.Report(diagnostics.Items);
            if (reason is not null)
                Driver.Report(DiagnosticCatalog.CannotServe.At(SourceSpan.None, $"{module.Name} on {s.Cluster.Cluster.Gpus} x {s.Cluster.Cluster.Device.Id} ({(s.Scheduler.Kind == SchedulerKind.Disaggregated ? s.Scheduler : deployment)}): {reason}"));
            return ExitCodes.InputError;
        }
        var steps = r.GetValue(_trace) is null ? null : new StepTrace();
        ServingRun run;
        using (ProgressLine.Start("serve: simulating")) run = simulation.Run(source, s.Slo, steps is null ? null : steps.Add);
        if (run.Report.Rejected > 0)
            Driver.Report(DiagnosticCatalog.RequestsRejected.At(SourceSpan.None,
                $"{run.Report.Rejected} request(s) longer than the whole KV cache ({run.Kv.TokenCapacity} tokens) were rejected, as an engine refuses them; the metrics leave them out"));
        if (steps is not null && !Driver.WriteOutput(r.GetValue(_trace), steps.Write($"{module.Name} {run.Scheduler}"))) return ExitCodes.InputError;
        if (r.GetValue(_timeSeries) is { } series && !Driver.WriteOutput(series, ServingOutput.TimeSeriesCsv(run))) return ExitCodes.InputError;
        // A disaggregated deployment is its instances, each on its own layout with the shared formats.
        var formats = SpecFormats.Of(module);
        var shown = s.Scheduler.Kind == SchedulerKind.Disaggregated
            ? $"prefill {formats.Describe(DisaggregatedSimulation.InstanceDeployment(s.Deployment, s.Scheduler.Prefill!))} x{s.Scheduler.Prefill!.Count}, "
                + $"decode {formats.Describe(DisaggregatedSimulation.InstanceDeployment(s.Deployment, s.Scheduler.Decode!))} x{s.Scheduler.Decode!.Count}"
            : formats.Describe(deployment);
        var header = new ServingHeader(module.Name, s.Cluster, shown, s.Efficiency.Name, s.Workload, run.Scheduler, s.Slo, s.Seed, source.Total,
            s.Efficiency.CudaGraphs);
        var text = r.GetValue(_format) switch
        {
            "json" => ServingOutput.Json(header, run),
            "csv" => ServingOutput.Csv(header, run),
            _ => ServingOutput.Table(header, run),
        };
        if (!Driver.WriteOutput(r.GetValue(_output), text)) return ExitCodes.InputError;
        return Plots.PlotOption.Write(plots, kind => Plots.ServingPlots.Serve(kind, header, run)) ? ExitCodes.Ok : ExitCodes.InputError;
    }
}
