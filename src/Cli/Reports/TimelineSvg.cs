using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Cli.Plots;

namespace GraphDsl.Cli.Reports;

/// <summary>One step's schedule (what <c>predict --trace</c> writes for Perfetto) drawn as a timeline: a lane per pipeline
/// stage and stream (compute, communication), a box per op with its name and time on hover. A prefill of a large model
/// unrolls to thousands of ops; the first <see cref="MaxEvents"/> are drawn and the picture says when it is cut.</summary>
public static class TimelineSvg
{
    public const int MaxEvents = 4000;
    private const double Width = 1000, Left = 150, Right = 24, Top = 46, Lane = 30;

    public static SvgWriter Render(string title, IReadOnlyList<StreamEvent> events)
    {
        var lanes = events.Select(e => (e.Stage, e.Stream)).Distinct().OrderBy(l => l.Stage).ThenBy(l => l.Stream).ToList();
        var svg = new SvgWriter(Width, Top + Math.Max(1, lanes.Count) * Lane + 46, title);
        double end = events.Count == 0 ? 0 : events.Max(e => e.Start + e.Duration);
        var scale = new Scale(0, end * 1e3, Left, Width - Right, log: false, fromZero: true);
        int shown = Math.Min(events.Count, MaxEvents);
        svg.Text(16, 22, title + (shown < events.Count ? $" (the first {shown} of {events.Count} ops)" : $" ({events.Count} ops, {Markup.Num(end * 1e3)} ms)"), size: 14, weight: "bold");
        double y0 = Top + lanes.Count * Lane;
        svg.Group(("class", "axes"));
        foreach (var (v, label) in scale.Ticks)
        {
            svg.LineSegment(scale[v], Top - 4, scale[v], y0, Palette.Grid);
            svg.Text(scale[v], y0 + 16, label, anchor: "middle", size: 11);
        }
        svg.Text((Left + Width - Right) / 2, y0 + 36, "time from the step's start (ms)", anchor: "middle", size: 12);
        for (int i = 0; i < lanes.Count; i++)
            svg.Text(Left - 8, Top + i * Lane + Lane / 2 + 4, $"stage {lanes[i].Stage} {(lanes[i].Stream == StreamKind.Compute ? "compute" : "comm")}", anchor: "end", size: 11.5);
        svg.EndGroup();
        svg.Group(("class", "ops"));
        foreach (var e in events.Take(shown))
        {
            int lane = lanes.IndexOf((e.Stage, e.Stream));
            double x = scale[e.Start * 1e3], w = Math.Max(0.6, scale[(e.Start + e.Duration) * 1e3] - x);
            var where = e.Loop.Length > 0 ? $" ({e.Loop} iteration {e.Iteration})" : "";
            svg.Rect(x, Top + lane * Lane + 4, w, Lane - 8, e.Stream == StreamKind.Compute ? Palette.Compute : Palette.Communication,
                $"{e.Name}{where}: {Markup.Num(e.Duration * 1e6)} us from {Markup.Num(e.Start * 1e6)} us", "op");
        }
        svg.EndGroup();
        return svg;
    }
}
