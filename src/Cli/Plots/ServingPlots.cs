using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Serving.Planning;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Cli.Rendering;

namespace GraphDsl.Cli.Plots;

/// <summary>The pictures of sweep, plan and serve, from their results: which configurations become points (only those
/// that fit and have figures), which lie on the front, which is best.</summary>
internal static class ServingPlots
{
    /// <summary>A sweep's Pareto front: decode tokens/s per GPU against one sequence's decode speed (1000 / TPOT), over every
    /// configuration that fits; the best (most tokens/s per GPU within the TPOT SLO) marked.</summary>
    public static Picture Sweep(PlotKind kind, string model, List<SweepRow> rows, SweepRow? best, double? slo)
    {
        var fitting = rows.Where(x => x.Error.Length == 0 && x.Point.Feasible && x.Point.TpotMs > 0 && double.IsFinite(x.Point.TokensPerSecondPerGpu)).ToList();
        var front = ParetoPlot.Front(fitting.Select(x => (x.Point.TokensPerSecondPerGpu, 1000 / x.Point.TpotMs)).ToList());
        var points = fitting.Select((x, i) => new ParetoPoint(x.Point.TokensPerSecondPerGpu, 1000 / x.Point.TpotMs, x.Point.TpotMs, $"{x.Device} x {x.Gpus}",
            $"{x.Device} x {x.Gpus}, {x.Dep.Layout}, weights {x.Dep.Weights}, kv {x.Dep.Kv}{(x.Passes.Length > 0 ? ", passes " + x.Passes : "")}; batch {x.Batch}, prompt {x.Prompt}, context {x.Context}: "
            + $"{Markup.Num(x.Point.TokensPerSecondPerGpu)} tokens/s/GPU, TPOT {Markup.Num(x.Point.TpotMs)} ms",
            slo is null || x.Point.TpotMs <= slo, front.Contains(i), ReferenceEquals(x, best))).ToList();
        var workloads = rows.Select(x => (x.Prompt, x.Context)).Distinct().Count();
        var subtitle = $"{fitting.Count} of {rows.Count} configuration(s) fit (the rest are not drawn); decode step at the context; "
            + (workloads == 1 ? $"prompt {rows[0].Prompt}, context {rows[0].Context}" : $"{workloads} (prompt, context) pairs on one front");
        var chart = ParetoPlot.Chart($"Sweep of {model}: tokens/s per GPU against " + (kind == PlotKind.ParetoTpot ? "TPOT" : "per user"), subtitle, points,
            kind == PlotKind.ParetoTpot ? ParetoAxis.Tpot : ParetoAxis.PerUser, slo);
        return Picture.Of(chart with { Empty = "no configuration fits: nothing to plot" });
    }

    /// <summary>A serve run's picture: its TTFT and TPOT distributions against its SLO, or the run over time.</summary>
    public static Picture Serve(PlotKind kind, ServingHeader h, GraphDsl.Backends.Serving.ServingRun run)
    {
        string on = $"{h.Model} on {h.Cluster.Cluster.Gpus} x {h.Cluster.Cluster.Device.Id}";
        string subtitle = $"{h.Deployment}; {h.Scheduler}; {h.Workload}; {run.Report.Completed} request(s) completed";
        return kind == PlotKind.TimeSeries
            ? TimeSeriesPlot.Draw($"{on} over time", subtitle, run.Report)
            : Picture.Of(LatencyPlot.Chart($"Latency of {on}", subtitle, run.Report, h.Slo));
    }

    /// <summary>A plan's simulated candidates: output tokens/s per GPU against per user (or TPOT p90), the planner's front and
    /// best plan, the TPOT SLO (judged at p90) as a line.</summary>
    public static Picture Plan(PlotKind kind, string model, WorkloadSpec workload, PlanResult result, SloSpec slo)
    {
        var simulated = result.Simulated.Where(s => s.HasFigures).ToList();
        var points = simulated.Select(s =>
        {
            var m = s.Report!;
            return new ParetoPoint(m.OutputTokensPerSecondPerGpu, m.OutputTokensPerSecondPerUser, m.TpotMs.P90, $"{s.Candidate.Cluster.Device.Id} x {s.Candidate.Gpus.ToString(CultureInfo.InvariantCulture)}",
                $"{s.Candidate.Describe()}: {Markup.Num(m.OutputTokensPerSecondPerGpu)} tokens/s/GPU, {Markup.Num(m.OutputTokensPerSecondPerUser)} tokens/s/user, TTFT p90 {Markup.Num(m.TtftMs.P90)} ms, TPOT p90 {Markup.Num(m.TpotMs.P90)} ms",
                s.Meets(slo), result.Pareto.Contains(s), ReferenceEquals(s, result.Best));
        }).ToList();
        var subtitle = $"{workload}; {PlanOutput.Slo(slo)}; {simulated.Count} simulated candidate(s) of {result.Fitting} that fit ({result.Screened} screened)";
        var tpot = kind == PlotKind.ParetoTpot;
        var chart = ParetoPlot.Chart($"Plan for {model}: output tokens/s per GPU against " + (tpot ? "TPOT p90" : "per user"), subtitle, points,
            tpot ? ParetoAxis.Tpot : ParetoAxis.PerUser, slo.TpotMs, tpot ? "TPOT p90" : "TPOT");
        return Picture.Of(chart with { Empty = "no simulated candidate completed a request: nothing to plot" });
    }
}
