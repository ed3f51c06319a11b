using System.Collections.Generic;

namespace GraphDsl.Cli.Plots;

/// <summary>How a series is drawn: markers, a line through its points in order, or both.</summary>
public enum Mark { Dots, Line, LineAndDots }

/// <summary>One data point; its tooltip (shown on hover) says what it is; a faded point is drawn pale (it misses an SLO).</summary>
public sealed record ChartPoint(double X, double Y, string? Tooltip = null, bool Faded = false);

/// <summary>A named series in one colour. <paramref name="Emphasis"/> draws it larger and outlined (a Pareto front);
/// <paramref name="Faded"/> draws its legend entry pale; <paramref name="Dash"/> dashes its line; its markers carry
/// <paramref name="PointClass"/> (tests and scripts count them).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points, Mark Mark = Mark.Dots,
    bool Emphasis = false, bool Faded = false, string? Dash = null, string PointClass = "point");

/// <summary>A reference line across the plot at a value of one axis (an SLO, a device's peak), labelled.</summary>
public sealed record Guide(bool Vertical, double Value, string Label, string Color);

/// <summary>An axis: its label (with the unit) and whether it is logarithmic; a linear axis may be asked to start at 0.</summary>
public sealed record Axis(string Label, bool Log = false, bool FromZero = false);

/// <summary>A two-axis chart, what every plot but the bar charts is: title and subtitle, axes, series and guides.
/// <paramref name="Empty"/> is the sentence drawn when there is nothing to plot.</summary>
public sealed record Chart(string Title, string Subtitle, Axis X, Axis Y, IReadOnlyList<ChartSeries> Series, IReadOnlyList<Guide> Guides, string Empty = "nothing to plot")
{
    public bool HasPoints => System.Linq.Enumerable.Any(Series, s => s.Points.Count > 0);
}
