using System.Linq;
using GraphDsl.Cli.Plots;

namespace GraphDsl.Cli.Tests.Plots;

public class ScaleTests
{
    [Fact]
    public void A_linear_axis_widens_to_round_ticks_of_one_two_or_five()
    {
        var s = new Scale(37, 2702, 0, 100, log: false, fromZero: true);
        Assert.Equal(new[] { "0", "500", "1k", "1.5k", "2k", "2.5k", "3k" }, s.Ticks.Select(t => t.Label));
        Assert.Equal(0, s[0], 9);
        Assert.Equal(100, s[3000], 9);
        Assert.Equal(50, s[1500], 9);
    }

    [Fact]
    public void A_log_axis_spans_whole_decades_and_labels_them_with_si_prefixes()
    {
        var s = new Scale(0.17, 3.2e15, 0, 170, log: true);
        Assert.Equal(new[] { "0.1", "1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1G", "10G", "100G", "1T", "10T", "100T", "1P", "10P" },
            s.Ticks.Select(t => t.Label));
        Assert.Equal(10, s[1], 9);
        Assert.Equal(20, s[10], 9);
    }

    [Theory]
    [InlineData(9.89e14, "FLOP/s", "989 TFLOP/s")]
    [InlineData(4.8e12, "B/s", "4.8 TB/s")]
    [InlineData(512, "B", "512 B")]
    public void A_quantity_is_written_with_its_si_prefix_and_unit(double value, string unit, string expected) =>
        Assert.Equal(expected, Scale.Si(value, unit));

    [Fact]
    public void No_data_still_gives_an_axis()
    {
        var s = new Scale(double.NaN, double.NaN, 0, 100, log: false);
        Assert.Equal(new[] { "0", "0.2", "0.4", "0.6", "0.8", "1" }, s.Ticks.Select(t => t.Label));
    }
}
