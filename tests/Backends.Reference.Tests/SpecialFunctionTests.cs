using GraphDsl.Backends.Reference.Functions;

namespace GraphDsl.Backends.Reference.Tests;

public class SpecialFunctionTests
{
    [Theory]
    // Values of Python's math.erf; the series and continued fraction agree to 1e-13.
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(4.5, 0.9999999998033839)]
    [InlineData(-1.0, -0.8427007929497149)]
    [InlineData(10.0, 1.0)]
    public void Erf_matches_reference_values(double x, double expected) =>
        Assert.Equal(expected, SpecialFunctions.Erf(x), 13);
}
