using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Cli.Plots;

/// <summary>One configuration that fits and has figures (an infeasible one never becomes a point): output tokens/s per
/// GPU and per user, its TPOT, the series it belongs to (device x GPUs), what it is (the tooltip), and whether it meets the
/// SLO, lies on the Pareto front or is the best plan.</summary>
public sealed record ParetoPoint(double PerGpu, double PerUser, double TpotMs, string Series, string Label, bool MeetsSlo, bool OnFront, bool Best = false);

/// <summary>What the x axis of a Pareto plot shows: one user's speed (tokens/s per user, right is better) or the time
/// per output token (left is better). Both name the same front: a user's speed is 1000 / TPOT.</summary>
public enum ParetoAxis { PerUser, Tpot }

/// <summary>The Pareto front of a sweep or a plan: output tokens/s per GPU (the operator's cost) against tokens/s per
/// user or TPOT (the user's experience), a colour per device and GPU count, points missing the SLO pale, the front
/// drawn as a line and the best configuration marked, the TPOT SLO as a line.</summary>
public static class ParetoPlot
{
    public static Chart Chart(string title, string subtitle, IReadOnlyList<ParetoPoint> points, ParetoAxis axis, double? tpotSloMs, string tpotName = "TPOT")
    {
        double X(ParetoPoint p) => axis == ParetoAxis.PerUser ? p.PerUser : p.TpotMs;
        var series = new List<ChartSeries>();
        int i = 0;
        foreach (var g in points.GroupBy(p => p.Series).OrderBy(g => g.Key, System.StringComparer.Ordinal))
            series.Add(new ChartSeries(g.Key, Palette.At(i++), g.Select(p => new ChartPoint(X(p), p.PerGpu, p.Label, Faded: !p.MeetsSlo)).ToList()));
        if (tpotSloMs is not null && points.Any(p => !p.MeetsSlo))
            series.Add(new ChartSeries("pale: misses the SLO", Palette.Muted, new List<ChartPoint>(), Faded: true));
        var front = points.Where(p => p.OnFront).OrderBy(p => p.PerUser).ToList();
        if (front.Count > 0)
            series.Add(new ChartSeries($"Pareto front ({front.Count} point(s))", Palette.Front, front.Select(p => new ChartPoint(X(p), p.PerGpu, "front: " + p.Label, Faded: !p.MeetsSlo)).ToList(), Mark.LineAndDots, Emphasis: true, PointClass: "point front"));
        var best = points.Where(p => p.Best).ToList();
        if (best.Count > 0)
            series.Add(new ChartSeries("best within the SLO", "#000000", best.Select(p => new ChartPoint(X(p), p.PerGpu, "best: " + p.Label)).ToList(), Emphasis: true, PointClass: "point best"));
        var guides = new List<Guide>();
        if (tpotSloMs is { } slo && slo > 0)
            guides.Add(axis == ParetoAxis.PerUser
                ? new Guide(true, 1000 / slo, $"{tpotName} SLO {Markup.Num(slo)} ms = {Markup.Num(1000 / slo)} tokens/s/user", Palette.Slo)
                : new Guide(true, slo, $"{tpotName} SLO {Markup.Num(slo)} ms", Palette.Slo));
        var x = axis == ParetoAxis.PerUser ? new Axis("output tokens/s per user (1000 / TPOT)", FromZero: true) : new Axis($"{tpotName} (ms per output token)", FromZero: true);
        return new Chart(title, subtitle, x, new Axis("output tokens/s per GPU", FromZero: true), series, guides, "no configuration fits: nothing to plot");
    }

    /// <summary>The points no other point beats in both tokens/s per GPU and per user (ties kept once each).</summary>
    public static HashSet<int> Front(IReadOnlyList<(double PerGpu, double PerUser)> points)
    {
        var order = Enumerable.Range(0, points.Count).OrderByDescending(i => points[i].PerUser).ThenByDescending(i => points[i].PerGpu).ToList();
        var front = new HashSet<int>();
        double bestGpu = double.NegativeInfinity;
        foreach (var i in order)
            if (points[i].PerGpu > bestGpu) { front.Add(i); bestGpu = points[i].PerGpu; }
        return front;
    }
}
