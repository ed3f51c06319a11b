using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Serving.Metrics;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Cli.Plots;

/// <summary>A serve run's latencies as cumulative distributions: the share of requests whose time to first token and
/// time per output token are at most x (log scale: TTFT and TPOT differ by orders of magnitude), with each SLO target
/// as a line in its latency's colour and the p90 the targets are judged at. Where a curve crosses p90 left of its line,
/// the target is met.</summary>
public static class LatencyPlot
{
    public static Chart Chart(string title, string subtitle, ServingReport report, SloSpec? slo)
    {
        static List<ChartPoint> Cdf(string name, IReadOnlyList<double> percentiles) =>
            percentiles.Select((v, i) => new ChartPoint(v, i / 100.0, $"{name}: {i}% of requests within {Markup.Num(v)} ms")).ToList();
        string ttftColor = Palette.At(0), tpotColor = Palette.At(5);
        var series = new List<ChartSeries>
        {
            new($"TTFT (p50 {Markup.Num(report.TtftMs.P50)}, p90 {Markup.Num(report.TtftMs.P90)}, p99 {Markup.Num(report.TtftMs.P99)} ms)", ttftColor, Cdf("TTFT", report.TtftPercentilesMs.Values), Mark.Line),
            new($"TPOT (p50 {Markup.Num(report.TpotMs.P50)}, p90 {Markup.Num(report.TpotMs.P90)}, p99 {Markup.Num(report.TpotMs.P99)} ms)", tpotColor, Cdf("TPOT", report.TpotPercentilesMs.Values), Mark.Line),
        };
        var guides = new List<Guide> { new(false, 0.9, "p90", Palette.Muted) };
        if (slo?.TtftMs is { } t) guides.Add(new Guide(true, t, $"TTFT SLO {Markup.Num(t)} ms", ttftColor));
        if (slo?.TpotMs is { } p) guides.Add(new Guide(true, p, $"TPOT SLO {Markup.Num(p)} ms", tpotColor));
        return new Chart(title, subtitle, new Axis("latency (ms)", Log: true), new Axis("share of requests"), series, guides, "no request completed: nothing to plot");
    }
}
