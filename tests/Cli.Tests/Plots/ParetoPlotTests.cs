using System.Linq;
using System.Xml.Linq;
using GraphDsl.Cli.Plots;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests.Plots;

public class ParetoPlotTests
{
    [Fact]
    public void The_front_keeps_the_points_no_other_beats_in_both_throughputs()
    {
        // (per GPU, per user): (100, 10) is beaten by (120, 20); (50, 40) and (120, 20) and (10, 80) trade off.
        var points = new[] { (100.0, 10.0), (120.0, 20.0), (50.0, 40.0), (10.0, 80.0), (40.0, 30.0), (120.0, 20.0) };
        Assert.Equal(new[] { 1, 2, 3 }, ParetoPlot.Front(points).OrderBy(i => i));
    }

    /// <summary>Four configurations, one missing a 20 ms TPOT SLO, three on the front, one best: the whole SVG, so any change
    /// to how plots are drawn shows up here for review.</summary>
    [Fact]
    public void A_small_front()
    {
        var points = new[]
        {
            new ParetoPoint(2700, 85, 11.8, "h200-sxm x 2", "tp=2 batch 64", MeetsSlo: true, OnFront: true, Best: true),
            new ParetoPoint(1800, 110, 9.1, "h200-sxm x 2", "tp=2 batch 16", MeetsSlo: true, OnFront: true),
            new ParetoPoint(3000, 40, 25, "h100-sxm x 1", "tp=1 batch 256", MeetsSlo: false, OnFront: true),
            new ParetoPoint(500, 60, 16.7, "h100-sxm x 1", "tp=1 batch 4", MeetsSlo: true, OnFront: false),
        };
        var svg = ChartSvg.Render(ParetoPlot.Chart("Sweep of Tiny", "4 of 5 configuration(s) fit", points, ParetoAxis.PerUser, 20)).ToDocument();
        var doc = XDocument.Parse(svg);
        Assert.Equal(4 + 3 + 1, doc.Descendants().Count(e => ((string?)e.Attribute("class"))?.StartsWith("point") == true));
        Snapshot.Verify(svg, extension: "svg");
    }
}
