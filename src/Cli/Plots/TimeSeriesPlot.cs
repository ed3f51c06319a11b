using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Serving.Metrics;

namespace GraphDsl.Cli.Plots;

/// <summary>A serve run over time (the per-interval series of <see cref="ServingReport.TimeSeries"/>, what
/// <c>--time-series</c> writes as CSV) as three panels on one time axis, each figure on its own scale: requests running
/// and waiting, KV cache utilisation, and output and prefill tokens per second. A queue that grows while the KV cache
/// is full, or throughput that sags as it fills, reads at a glance.</summary>
public static class TimeSeriesPlot
{
    /// <summary>The height of one panel; the picture is as tall as its panels.</summary>
    public const double PanelHeight = 300;

    public static IReadOnlyList<Chart> Panels(string title, string subtitle, ServingReport report)
    {
        var points = report.TimeSeries;
        var time = new Axis($"time (s; {Markup.Num(report.TimeSeriesIntervalSeconds)} s intervals)", FromZero: true);
        // Lines without markers: a long run has thousands of intervals.
        ChartSeries Line(string name, string color, System.Func<TimePoint, double> value) =>
            new(name, color, points.Select(p => new ChartPoint(p.StartSeconds, value(p))).ToList(), Mark.Line);
        return new[]
        {
            new Chart(title, subtitle, time, new Axis("requests", FromZero: true), new[]
            {
                Line("running (in flight)", Palette.At(0), p => p.Running),
                Line("waiting (queued)", Palette.At(5), p => p.Waiting),
            }, new List<Guide>(), Empty),
            new Chart("KV cache utilisation", "used KV blocks over all, mean over the busy time of each interval", time,
                new Axis("KV cache used (%)", FromZero: true), new[] { Line("KV cache used", Palette.At(1), p => p.KvUtilization * 100) },
                new List<Guide> { new(false, 100, "full", Palette.Muted) }, Empty),
            new Chart("Tokens per second", "emitted (each decode's token and each prefill's first) and prefilled, where the step ends", time,
                new Axis("tokens/s", FromZero: true), new[]
                {
                    Line("output tokens/s", Palette.At(2), p => p.OutputTokensPerSecond),
                    Line("prefill tokens/s", Palette.At(3), p => p.PrefillTokensPerSecond),
                }, new List<Guide>(), Empty),
        };
    }

    /// <summary>The panels one under another in one picture.</summary>
    public static Picture Draw(string title, string subtitle, ServingReport report)
    {
        var panels = Panels(title, subtitle, report);
        var svg = new SvgWriter(ChartSvg.Width, PanelHeight * panels.Count, title);
        for (int i = 0; i < panels.Count; i++)
            svg.Embed(ChartSvg.Render(panels[i], PanelHeight), 0, i * PanelHeight, "panel");
        return new Picture(svg, panels.Any(p => p.HasPoints) ? null : Empty);
    }

    private const string Empty = "no interval to plot";
}
