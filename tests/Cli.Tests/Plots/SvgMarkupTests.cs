using System.Linq;
using System.Xml.Linq;
using GraphDsl.Cli.Plots;

namespace GraphDsl.Cli.Tests.Plots;

/// <summary>What reaches SVG is escaped and well-formed XML, and numbers are written one way everywhere.</summary>
public class SvgMarkupTests
{
    /// <summary>A model, device or file name as a hostile user would write it.</summary>
    public const string Hostile = "<script>alert('x')</script> \"quoted\" & <b>bold</b> \u0001";

    [Fact]
    public void Hostile_text_is_escaped_in_elements_and_attributes_and_reads_back_unchanged()
    {
        var svg = new SvgWriter(100, 50, Hostile);
        svg.Text(1, 2, Hostile);
        svg.Circle(3, 4, 2, "#000", tooltip: Hostile);
        svg.Group(("class", Hostile)).EndGroup();
        var text = svg.ToDocument();

        Assert.DoesNotContain("<script", text);
        Assert.DoesNotContain("<b>", text);
        var doc = XDocument.Parse(text);
        XNamespace ns = "http://www.w3.org/2000/svg";
        // The control character is not allowed in XML 1.0: it becomes U+FFFD; the rest reads back exactly.
        var expected = Hostile.Replace('\u0001', '\uFFFD');
        Assert.Equal(expected, doc.Root!.Element(ns + "title")!.Value);
        Assert.Equal(expected, doc.Descendants(ns + "text").Single().Value);
        Assert.Equal(expected, doc.Descendants(ns + "circle").Single().Element(ns + "title")!.Value);
        Assert.Equal(expected, (string)doc.Descendants(ns + "g").Single().Attribute("class")!);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.001, "0")]
    [InlineData(1234567.891, "1234567.89")]
    [InlineData(1e-7, "0")]
    [InlineData(2.5, "2.5")]
    [InlineData(-3.14159, "-3.14")]
    [InlineData(double.NaN, "0")]
    [InlineData(double.PositiveInfinity, "0")]
    public void Numbers_have_at_most_two_decimals_no_exponent_and_no_negative_zero(double value, string expected) =>
        Assert.Equal(expected, Markup.Num(value));

    [Fact]
    public void A_chart_with_hostile_titles_series_and_tooltips_is_well_formed()
    {
        var chart = new Chart(Hostile, Hostile, new Axis(Hostile), new Axis(Hostile, Log: true),
            new[] { new ChartSeries(Hostile, "#000", new[] { new ChartPoint(1, 10, Hostile), new ChartPoint(2, 100, Hostile) }, Mark.LineAndDots) },
            new[] { new Guide(true, 1.5, Hostile, "#f00"), new Guide(false, 50, Hostile, "#f00") });
        var text = ChartSvg.Render(chart).ToDocument();
        Assert.DoesNotContain("<script", text);
        XDocument.Parse(text);
        var bars = new BarChart(Hostile, Hostile, Hostile, new[] { new BarRow(Hostile, new[] { new BarSegment(Hostile, 3, "#00f") }, Hostile) }, Limit: new Guide(true, 4, Hostile, "#f00"));
        text = BarChartSvg.Render(bars).ToDocument();
        Assert.DoesNotContain("<script", text);
        XDocument.Parse(text);
    }
}
