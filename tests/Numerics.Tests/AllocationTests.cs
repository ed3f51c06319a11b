using System;

namespace GraphDsl.Numerics.Tests;

/// <summary>The scalar codecs are meant to be mirrored in GPU kernels, so they must not allocate.</summary>
public class AllocationTests
{
    [Fact]
    public void ScalarCodecsDoNotAllocate()
    {
        float sink = 0;
        void RunAll()
        {
            for (int c = 0; c < 256; c++)
            {
                byte b = (byte)c;
                float x = c * 0.37f - 40f;
                sink += Fp8E4M3.Decode(b) + Fp8E5M2.Decode(b) + Fp4E2M1.Decode(b) + E8M0.Decode(b)
                    + Fp16.Decode((ushort)(c * 257)) + Bf16.Decode((ushort)(c * 257))
                    + Fp8E4M3.Encode(x) + Fp8E5M2.Encode(x) + Fp4E2M1.Encode(x) + Fp16.Encode(x) + Bf16.Encode(x)
                    + MxBlock.DequantizeElement(b, b, MxElementType.Fp8E4M3) + NvFp4.DequantizeElement(b, b, 0.5f);
            }
        }
        RunAll(); // JIT first
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink != 1.2345f);
    }
}
