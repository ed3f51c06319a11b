namespace GraphDsl.Cli.Plots;

/// <summary>A drawn picture: the SVG, or with <paramref name="Nothing"/> the reason it shows no data.</summary>
public sealed record Picture(SvgWriter Svg, string? Nothing)
{
    public static Picture Of(Chart chart) => new(ChartSvg.Render(chart), chart.HasPoints ? null : chart.Empty);
    public static Picture Of(BarChart chart) => new(BarChartSvg.Render(chart), null);
}
