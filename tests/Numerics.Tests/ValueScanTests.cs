namespace GraphDsl.Numerics.Tests;

/// <summary>The counts behind weights check and run's logit warnings: non-finite values with the
/// first one's index across chunks, magnitudes beyond the threshold, finite extremes.</summary>
public class ValueScanTests
{
    [Fact]
    public void Counts_non_finite_and_extreme_values_across_chunks()
    {
        var scan = new ValueScan();
        scan.Add(new[] { 1f, -2f, 3e38f });
        scan.Add(new[] { float.NaN, -1e5f, float.NegativeInfinity, 0.5f });

        Assert.Equal((7L, 2L, 3L, 2L), (scan.Count, scan.NonFinite, scan.FirstNonFinite, scan.Extreme));
        Assert.Equal(3e38f, (float)scan.MaxAbs);
        Assert.Equal((-1e5, (double)3e38f), (scan.Min, scan.Max));
        Assert.False(scan.NoneFinite);
        Assert.False(scan.AllEqual);
    }

    [Fact]
    public void The_threshold_is_exclusive_and_a_clean_scan_is_empty()
    {
        var scan = ValueScan.Of(new[] { 1e4f, -1e4f, 0f });
        Assert.Equal((0L, 0L, -1L), (scan.Extreme, scan.NonFinite, scan.FirstNonFinite));
        Assert.Equal(1e4, scan.MaxAbs);
    }

    [Fact]
    public void None_finite_and_all_equal()
    {
        Assert.True(ValueScan.Of(new[] { float.NaN, float.PositiveInfinity }).NoneFinite);
        Assert.False(ValueScan.Of(new float[0]).NoneFinite);
        // Non-finite values come first: min and max are those of the finite ones.
        var equal = ValueScan.Of(new[] { 0f, 0f, 0f });
        Assert.True(equal.AllEqual);
        var mixed = ValueScan.Of(new[] { float.NaN, 2f, 2f });
        Assert.False(mixed.AllEqual);
        Assert.Equal((2.0, 2.0), (mixed.Min, mixed.Max));
        Assert.False(ValueScan.Of(new[] { 7f }).AllEqual);
    }
}
