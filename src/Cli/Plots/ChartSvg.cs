using System;
using System.Linq;

namespace GraphDsl.Cli.Plots;

/// <summary>Draws a <see cref="Chart"/>: grid and ticks, axis labels, guides, series, and the legend at the right.
/// Data points carry class <c>point</c> (a front's <c>point front</c>) so tests and scripts can find them.</summary>
public static class ChartSvg
{
    public const double Width = 800, Height = 500;
    private const double Left = 78, Top = 70, Right = 230, Bottom = 58;

    /// <summary>The chart as a picture <see cref="Width"/> wide and <paramref name="height"/> tall (a panel of a
    /// taller picture is shorter than <see cref="Height"/>).</summary>
    public static SvgWriter Render(Chart chart, double height = Height)
    {
        var svg = new SvgWriter(Width, height, chart.Title);
        double x0 = Left, x1 = Width - Right, y0 = height - Bottom, y1 = Top;
        var points = chart.Series.SelectMany(s => s.Points).Where(p => Finite(p, chart)).ToList();
        var gx = chart.Guides.Where(g => g.Vertical).Select(g => g.Value);
        var gy = chart.Guides.Where(g => !g.Vertical).Select(g => g.Value);
        var xs = points.Select(p => p.X).Concat(points.Count > 0 ? gx : Enumerable.Empty<double>()).Where(v => Usable(v, chart.X)).ToList();
        var ys = points.Select(p => p.Y).Concat(points.Count > 0 ? gy : Enumerable.Empty<double>()).Where(v => Usable(v, chart.Y)).ToList();
        var sx = new Scale(xs.Count > 0 ? xs.Min() : double.NaN, xs.Count > 0 ? xs.Max() : double.NaN, x0, x1, chart.X.Log, chart.X.FromZero);
        var sy = new Scale(ys.Count > 0 ? ys.Min() : double.NaN, ys.Count > 0 ? ys.Max() : double.NaN, y0, y1, chart.Y.Log, chart.Y.FromZero);

        svg.Text(x0, 24, chart.Title, size: 16, weight: "bold");
        Subtitle(svg, x0, 41, chart.Subtitle, 118);
        Axes(svg, chart, sx, sy, x0, x1, y0, y1);
        if (points.Count == 0)
        {
            svg.Text((x0 + x1) / 2, (y0 + y1) / 2, chart.Empty, anchor: "middle", size: 14, fill: "#777", cls: "empty");
            return svg;
        }
        svg.Group(("class", "guides"));
        int vertical = 0;
        foreach (var g in chart.Guides)
        {
            var scale = g.Vertical ? sx : sy;
            if (!scale.Contains(g.Value)) continue;
            double v = scale[g.Value];
            if (g.Vertical)
            {
                // Labels of vertical lines go one under another, left of their line where they would run past the plot.
                double y = y1 + 12 + 14 * vertical++;
                svg.LineSegment(v, y0, v, y1, g.Color, 1.5, "6 4");
                if (v + 4 + TextWidth(g.Label) > x1) svg.Text(v - 4, y, g.Label, anchor: "end", size: 11, fill: g.Color);
                else svg.Text(v + 4, y, g.Label, size: 11, fill: g.Color);
            }
            else { svg.LineSegment(x0, v, x1, v, g.Color, 1.5, "6 4"); svg.Text(x1 - 4, v - 5, g.Label, anchor: "end", size: 11, fill: g.Color); }
        }
        svg.EndGroup();
        svg.Group(("class", "series"));
        foreach (var s in chart.Series)
        {
            var ps = s.Points.Where(p => Finite(p, chart)).ToList();
            if (s.Mark != Mark.Dots && ps.Count > 1)
                svg.Polyline(ps.Select(p => (sx[p.X], sy[p.Y])), s.Color, s.Emphasis ? 2.5 : 1.75, s.Dash, cls: "line");
            if (s.Mark == Mark.Line) continue;
            foreach (var p in ps)
                svg.Circle(sx[p.X], sy[p.Y], s.Emphasis ? 5.5 : 4, s.Color, s.Emphasis ? "#222" : null, p.Tooltip, s.PointClass, p.Faded ? 0.3 : 0.9);
        }
        svg.EndGroup();
        Legend(svg, chart, x1 + 18, y1);
        return svg;
    }

    /// <summary>The subtitle over at most two lines of about <paramref name="width"/> characters (the rest is cut with
    /// an ellipsis; the whole text is its tooltip).</summary>
    internal static void Subtitle(SvgWriter svg, double x, double y, string text, int width)
    {
        var lines = Wrap(text, width).ToList();
        if (lines.Count > 2) lines = new() { lines[0], lines[1] + " ..." };
        foreach (var line in lines) { svg.Text(x, y, line, size: 11.5, fill: "#555"); y += 14; }
    }

    /// <summary>About how wide a text of 11-pixel Helvetica is (no font metrics here: 0.55 em a character).</summary>
    private static double TextWidth(string text) => text.Length * 6.1;

    private static bool Finite(ChartPoint p, Chart c) => Usable(p.X, c.X) && Usable(p.Y, c.Y);

    private static bool Usable(double v, Axis a) => double.IsFinite(v) && (!a.Log || v > 0);

    private static void Axes(SvgWriter svg, Chart chart, Scale sx, Scale sy, double x0, double x1, double y0, double y1)
    {
        svg.Group(("class", "axes"));
        foreach (var (v, label) in sx.Ticks)
        {
            double x = sx[v];
            svg.LineSegment(x, y0, x, y1, Palette.Grid);
            svg.Text(x, y0 + 16, label, anchor: "middle", size: 11);
        }
        foreach (var (v, label) in sy.Ticks)
        {
            double y = sy[v];
            svg.LineSegment(x0, y, x1, y, Palette.Grid);
            svg.Text(x0 - 6, y + 4, label, anchor: "end", size: 11);
        }
        svg.LineSegment(x0, y0, x1, y0, Palette.AxisLine);
        svg.LineSegment(x0, y0, x0, y1, Palette.AxisLine);
        svg.Text((x0 + x1) / 2, y0 + 40, chart.X.Label + (chart.X.Log ? " (log scale)" : ""), anchor: "middle", size: 12.5);
        svg.Text(x0 - 56, (y0 + y1) / 2, chart.Y.Label + (chart.Y.Log ? " (log scale)" : ""), anchor: "middle", size: 12.5, rotate: -90);
        svg.EndGroup();
    }

    private static void Legend(SvgWriter svg, Chart chart, double x, double y)
    {
        svg.Group(("class", "legend"));
        foreach (var s in chart.Series.Where(s => s.Name.Length > 0))
        {
            if (s.Mark == Mark.Line) svg.LineSegment(x, y + 6, x + 16, y + 6, s.Color, 2.5, s.Dash);
            else svg.Circle(x + 8, y + 6, s.Emphasis ? 5.5 : 4.5, s.Color, s.Emphasis ? "#222" : null, opacity: s.Faded ? 0.5 : 0.9);
            y = Wrapped(svg, x + 24, y + 10, s.Name);
        }
        foreach (var g in chart.Guides)
        {
            svg.LineSegment(x, y + 6, x + 16, y + 6, g.Color, 1.5, "6 4");
            y = Wrapped(svg, x + 24, y + 10, g.Label);
        }
        svg.EndGroup();
    }

    /// <summary>A legend entry over as many lines as it needs at about 28 characters a line; the next entry's top.</summary>
    private static double Wrapped(SvgWriter svg, double x, double y, string text)
    {
        foreach (var line in Wrap(text, 28))
        {
            svg.Text(x, y, line, size: 11);
            y += 14;
        }
        return y + 4;
    }

    internal static System.Collections.Generic.IEnumerable<string> Wrap(string text, int width)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { yield return line; line = word; }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) yield return line;
    }
}
