using System;
using CsCheck;

namespace GraphDsl.Numerics.Tests;

/// <summary>Properties over arbitrary binary32 bit patterns (CsCheck shrinks any counterexample).</summary>
public class PropertyTests
{
    private static readonly Gen<float> AnyFloat = Gen.UInt.Select(Bits.UInt32BitsToSingle);

    [Fact]
    public void Fp16EncodeAgreesWithSystemHalf() =>
        AnyFloat.Sample(x =>
        {
            ushort mine = Fp16.Encode(x), theirs = BitConverter.HalfToUInt16Bits((Half)x);
            Assert.True(float.IsNaN(x) ? Fp16.IsNaN(mine) : mine == theirs);
        }, iter: 200_000);

    [Fact]
    public void RoundingIsMonotonic() =>
        Gen.Select(AnyFloat, AnyFloat).Sample((a, b) =>
        {
            if (!float.IsFinite(a) || !float.IsFinite(b)) return;
            float lo = Math.Min(a, b), hi = Math.Max(a, b);
            Assert.True(Fp8E4M3.Decode(Fp8E4M3.Encode(lo)) <= Fp8E4M3.Decode(Fp8E4M3.Encode(hi)));
            Assert.True(Fp8E5M2.Decode(Fp8E5M2.Encode(lo)) <= Fp8E5M2.Decode(Fp8E5M2.Encode(hi)));
            Assert.True(Fp4E2M1.Decode(Fp4E2M1.Encode(lo)) <= Fp4E2M1.Decode(Fp4E2M1.Encode(hi)));
            Assert.True(Bf16.Decode(Bf16.Encode(lo)) <= Bf16.Decode(Bf16.Encode(hi)));
        }, iter: 100_000);

    [Fact]
    public void EncodingIsIdempotentAndKeepsTheSign() =>
        AnyFloat.Sample(x =>
        {
            if (float.IsNaN(x)) return;
            byte e4 = Fp8E4M3.Encode(x), e5 = Fp8E5M2.Encode(x), f4 = Fp4E2M1.Encode(x);
            Assert.Equal(e4, Fp8E4M3.Encode(Fp8E4M3.Decode(e4)));
            Assert.Equal(e5, Fp8E5M2.Encode(Fp8E5M2.Decode(e5)));
            Assert.Equal(f4, Fp4E2M1.Encode(Fp4E2M1.Decode(f4)));
            Assert.Equal(float.IsNegative(x), (e4 & 0x80) != 0);
            Assert.Equal(float.IsNegative(x), (f4 & 0x8) != 0);
        }, iter: 100_000);
}
