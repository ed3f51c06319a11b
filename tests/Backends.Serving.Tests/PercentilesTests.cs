using GraphDsl.Backends.Serving.Metrics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>The per-request percentiles behind <c>serve --plot</c>'s CDF: numpy's linear interpolation, the same order
/// statistics as the summary's p50/p90/p99.</summary>
public class PercentilesTests
{
    [Fact]
    public void The_hundred_and_one_percentiles_interpolate_between_order_statistics_and_agree_with_the_summary()
    {
        var values = new PerRequestValues();
        // 201 values 0, 0.5, ..., 100 in a shuffled order: the i-th percentile is exactly i.
        for (int i = 0; i <= 200; i++) values.Add((i * 37 % 201) / 2.0);
        var p = values.Percentiles().Values;
        Assert.Equal(101, p.Count);
        for (int i = 0; i <= 100; i++) Assert.Equal(i, p[i], 9);
        var summary = values.Summarise();
        Assert.Equal(summary.P50, p[50], 9);
        Assert.Equal(summary.P90, p[90], 9);
        Assert.Equal(summary.P99, p[99], 9);
        values.Add(1000);
        Assert.Equal(1000, values.Percentiles().Values[100], 9);
    }

    [Fact]
    public void No_requests_have_no_percentiles() => Assert.Empty(new PerRequestValues().Percentiles().Values);

    [Fact]
    public void Curves_of_the_same_values_are_equal_so_reports_of_one_run_compare_equal()
    {
        Assert.Equal(new PercentileCurve(new[] { 1.0, 2.0 }), new PercentileCurve(new[] { 1.0, 2.0 }));
        Assert.NotEqual(new PercentileCurve(new[] { 1.0, 2.0 }), new PercentileCurve(new[] { 1.0, 3.0 }));
        Assert.Equal(new ServingReport { TtftPercentilesMs = new PercentileCurve(new[] { 5.0 }) }, new ServingReport { TtftPercentilesMs = new PercentileCurve(new[] { 5.0 }) });
    }
}
