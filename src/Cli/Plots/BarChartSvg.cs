using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Cli.Plots;

/// <summary>Draws a <see cref="BarChart"/>: a row per bar, the parts left to right with their values on hover, the legend
/// of the parts below. Bar parts carry class <c>bar</c>.</summary>
public static class BarChartSvg
{
    public const double Width = 800;
    private const double Left = 150, Right = 120, Top = 84, RowHeight = 46;

    public static SvgWriter Render(BarChart chart)
    {
        var names = chart.Rows.SelectMany(r => r.Segments).Select(s => (s.Name, s.Color)).Distinct().ToList();
        double height = Top + chart.Rows.Count * RowHeight + 64 + 18 * ((names.Count + 3) / 4);
        var svg = new SvgWriter(Width, height, chart.Title);
        double x0 = Left, x1 = Width - Right, y0 = Top + chart.Rows.Count * RowHeight;
        svg.Text(24, 24, chart.Title, size: 16, weight: "bold");
        ChartSvg.Subtitle(svg, 24, 41, chart.Subtitle, 130);
        double max = chart.Shares ? 100 : Math.Max(chart.Rows.Select(r => r.Segments.Sum(s => Math.Max(0, s.Value))).DefaultIfEmpty(0).Max(), chart.Limit?.Value ?? 0);
        var scale = new Scale(0, max, x0, x1, log: false, fromZero: true);
        svg.Group(("class", "axes"));
        foreach (var (v, label) in scale.Ticks)
        {
            svg.LineSegment(scale[v], Top - 4, scale[v], y0, Palette.Grid);
            svg.Text(scale[v], y0 + 16, label, anchor: "middle", size: 11);
        }
        svg.LineSegment(x0, y0, x1, y0, Palette.AxisLine);
        svg.Text((x0 + x1) / 2, y0 + 36, chart.Shares ? "share of the step (%)" : chart.Unit, anchor: "middle", size: 12.5);
        svg.EndGroup();
        svg.Group(("class", "bars"));
        double y = Top;
        foreach (var row in chart.Rows)
        {
            double total = row.Segments.Sum(s => Math.Max(0, s.Value));
            double at = 0;
            svg.Text(x0 - 8, y + RowHeight / 2 + 4, row.Label, anchor: "end", size: 12);
            foreach (var s in row.Segments.Where(s => s.Value > 0))
            {
                double v = chart.Shares ? (total > 0 ? 100 * s.Value / total : 0) : s.Value;
                svg.Rect(scale[at], y + 8, scale[at + v] - scale[at], RowHeight - 16, s.Color,
                    $"{row.Label}: {s.Name} {Scale.Label(Round(s.Value))} {chart.Unit}" + (total > 0 ? $" ({Markup.Num(100 * s.Value / total)}%)" : ""), "bar");
                at += v;
            }
            svg.Text(scale[at] + 6, y + RowHeight / 2 + 4, row.Total, size: 11.5, fill: "#333");
            y += RowHeight;
        }
        svg.EndGroup();
        if (chart.Limit is { } limit && scale.Contains(limit.Value))
        {
            svg.LineSegment(scale[limit.Value], Top - 4, scale[limit.Value], y0, limit.Color, 2, "6 4");
            svg.Text(scale[limit.Value], Top - 8, limit.Label, anchor: "middle", size: 11, fill: limit.Color);
        }
        Legend(svg, names, 24, y0 + 56);
        return svg;
    }

    private static double Round(double v) => Math.Round(v, v >= 100 ? 1 : 3);

    private static void Legend(SvgWriter svg, List<(string Name, string Color)> names, double x, double y)
    {
        svg.Group(("class", "legend"));
        for (int i = 0; i < names.Count; i++)
        {
            double lx = x + (i % 4) * 190, ly = y + (i / 4) * 18;
            svg.Rect(lx, ly - 10, 12, 12, names[i].Color);
            svg.Text(lx + 18, ly, names[i].Name, size: 11.5);
        }
        svg.EndGroup();
    }
}
