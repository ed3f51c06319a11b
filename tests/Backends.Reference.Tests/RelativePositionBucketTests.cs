using GraphDsl.Backends.Reference.Functions;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>T5's <c>_relative_position_bucket</c> with 32 buckets and max distance 128, as in HF T5.</summary>
public class RelativePositionBucketTests
{
    [Theory]
    // Bidirectional: 16 buckets per direction, 8 exact; keys ahead (relative > 0) use the upper half.
    [InlineData(0, 0)]
    [InlineData(-1, 1)]
    [InlineData(-7, 7)]
    [InlineData(-8, 8)]        // 8 + int(log(1) / log(16) * 8)
    [InlineData(-16, 10)]      // 8 + int(log(2) / log(16) * 8) = 8 + 2
    [InlineData(-127, 15)]     // 8 + int(7.98)
    [InlineData(-500, 15)]     // clipped to the last bucket
    [InlineData(1, 17)]
    [InlineData(16, 26)]
    [InlineData(500, 31)]
    public void Bidirectional_buckets(long relative, int bucket) =>
        Assert.Equal(bucket, RelativePositionBuckets.Bucket(relative, 32, bidirectional: true));

    [Theory]
    // Causal: keys ahead all share bucket 0; 16 exact buckets looking back, then logarithmic.
    [InlineData(5, 0)]
    [InlineData(0, 0)]
    [InlineData(-5, 5)]
    [InlineData(-15, 15)]
    [InlineData(-16, 16)]
    [InlineData(-32, 21)]      // 16 + int(log(2) / log(8) * 16) = 16 + 5
    [InlineData(-1000, 31)]
    public void Causal_buckets(long relative, int bucket) =>
        Assert.Equal(bucket, RelativePositionBuckets.Bucket(relative, 32, bidirectional: false));
}
