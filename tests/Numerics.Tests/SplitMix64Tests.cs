using GraphDsl.Numerics;
using Xunit;

namespace GraphDsl.Numerics.Tests;

public class SplitMix64Tests
{
    /// <summary>Known answers for seed 1234567, the values other ports of Vigna's reference splitmix64.c check: the
    /// generator must give these on every platform, or seeded routing, weights and sampling change.</summary>
    [Fact]
    public void Matches_the_reference_sequence()
    {
        var rng = new SplitMix64(1234567);
        Assert.Equal(6457827717110365317UL, rng.NextUInt64());
        Assert.Equal(3203168211198807973UL, rng.NextUInt64());
        Assert.Equal(9817491932198370423UL, rng.NextUInt64());
        Assert.Equal(4593380528125082431UL, rng.NextUInt64());
        Assert.Equal(16408922859458223821UL, rng.NextUInt64());
    }

    [Fact]
    public void Doubles_are_53_bit_uniforms_in_the_unit_interval()
    {
        var rng = new SplitMix64(42);
        var reference = new SplitMix64(42);
        for (int i = 0; i < 1000; i++)
        {
            double u = rng.NextDouble();
            Assert.InRange(u, 0.0, 1.0 - 1.0 / (1UL << 53));
            Assert.Equal((reference.NextUInt64() >> 11) / 9007199254740992.0, u);
        }
    }
}
