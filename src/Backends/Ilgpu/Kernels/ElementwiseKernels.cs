using ILGPU;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>A broadcasting binary op over up to four axes: the output's sizes and each input's strides
/// (0 along a broadcast axis).</summary>
public struct BroadcastArgs
{
    /// <summary>0 add, 1 sub, 2 mul.</summary>
    public int Op;
    public long Count;
    public int D1, D2, D3;
    public long A0, A1, A2, A3, B0, B1, B2, B3;
}

/// <summary>
/// Elementwise ops, each a grid-stride loop (every thread handles many elements): broadcasting
/// add/sub/mul, unary functions by code, the gated product act(a) * b and the clamped SwiGLU, and
/// casts that round through a narrower float. A fused elementwise chain runs as a small program:
/// one pass over the elements evaluates every step in registers.
/// </summary>
public static class ElementwiseKernels
{
    public static void Binary(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, BroadcastArgs p)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < p.Count; i += stride)
        {
            long r = i;
            long i3 = r % p.D3; r /= p.D3;
            long i2 = r % p.D2; r /= p.D2;
            long i1 = r % p.D1; long i0 = r / p.D1;
            float x = a[i0 * p.A0 + i1 * p.A1 + i2 * p.A2 + i3 * p.A3];
            float z = b[i0 * p.B0 + i1 * p.B1 + i2 * p.B2 + i3 * p.B3];
            y[i] = p.Op == 0 ? x + z : p.Op == 1 ? x - z : x * z;
        }
    }

    /// <summary>y = f(x) for an <see cref="Activation"/> code, or a cast when <paramref name="round"/> is set.</summary>
    public static void Unary(ArrayView<float> x, ArrayView<float> y, long count, int act, float param, int round)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
            y[i] = round != 0 ? FormatRound.Round(x[i], round) : Activation.Apply(act, x[i], param);
    }

    /// <summary>y = act(gate) * up, or the clamped SwiGLU when <paramref name="clamped"/>; gate and up may be
    /// column slices of wider rows (strides in elements), as a fused gate|up GEMM writes them.</summary>
    public static void Gate(ArrayView<float> gate, ArrayView<float> up, ArrayView<float> y, long rows, int cols, int gateStride, int upStride,
        int act, int clamped, float alpha, float limit)
    {
        long count = rows * cols;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long r = i / cols, c = i % cols;
            float g = gate[r * gateStride + c], u = up[r * upStride + c];
            y[i] = clamped != 0 ? Activation.SwigluClamped(g, u, alpha, limit) : Activation.Apply(act, g, 0f) * u;
        }
    }

    /// <summary>
    /// A fused elementwise chain as a program over registers r0..r7: instruction i is
    /// (opcode, dst, src1, src2, param index) in <paramref name="code"/>; inputs are loaded from up to four
    /// tensors of the output's size or broadcast along the last axis (Lengths[n] = the tensor's length, so
    /// element i reads index i % length), and the value in register 0 is stored.
    /// </summary>
    public static void Program(ArrayView<float> in0, ArrayView<float> in1, ArrayView<float> in2, ArrayView<float> in3, ArrayView<float> y,
        ArrayView<int> code, ArrayView<float> parameters, ProgramArgs p)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < p.Count; i += stride)
        {
            float r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
            for (int pc = 0; pc < p.Length; pc++)
            {
                int op = code[pc * 5], dst = code[pc * 5 + 1], s1 = code[pc * 5 + 2], s2 = code[pc * 5 + 3];
                float param = parameters[code[pc * 5 + 4]];
                float a = Reg(s1, r0, r1, r2, r3, r4, r5, r6, r7), b = Reg(s2, r0, r1, r2, r3, r4, r5, r6, r7);
                float v;
                if (op == ProgramOp.Load0) v = in0[i % p.Len0];
                else if (op == ProgramOp.Load1) v = in1[i % p.Len1];
                else if (op == ProgramOp.Load2) v = in2[i % p.Len2];
                else if (op == ProgramOp.Load3) v = in3[i % p.Len3];
                else if (op == ProgramOp.Add) v = a + b;
                else if (op == ProgramOp.Sub) v = a - b;
                else if (op == ProgramOp.Mul) v = a * b;
                else if (op == ProgramOp.SwigluClamped) v = Activation.SwigluClamped(a, b, param, parameters[code[pc * 5 + 4] + 1]);
                else if (op == ProgramOp.Cast) v = FormatRound.Round(a, (int)param);
                else v = Activation.Apply(op - ProgramOp.ActivationBase, a, param);
                if (dst == 0) r0 = v; else if (dst == 1) r1 = v; else if (dst == 2) r2 = v; else if (dst == 3) r3 = v;
                else if (dst == 4) r4 = v; else if (dst == 5) r5 = v; else if (dst == 6) r6 = v; else r7 = v;
            }
            y[i] = r0;
        }
    }

    /// <summary>
    /// A GEMM's input as its act_dtype reads it (GraphDsl.Backends.Reference.Functions.ActivationRounding):
    /// bf16 rounds each element; FP8 scales each row by s = amax / max finite and rounds x / s, then
    /// multiplies back by s, all in f32; a row with NaN or ±Inf becomes NaN. One row per thread (grid-stride).
    /// </summary>
    public static void QuantizeRows(ArrayView<float> x, ArrayView<float> y, long rows, int cols, int round, float maxFinite)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long r = Grid.GlobalIndex.X; r < rows; r += stride)
        {
            long o = r * cols;
            if (round == FormatRound.Bf16)
            {
                for (int i = 0; i < cols; i++) y[o + i] = FormatRound.Round(x[o + i], round);
                continue;
            }
            float amax = 0f;
            bool finite = true;
            for (int i = 0; i < cols; i++)
            {
                float v = x[o + i];
                if (!(v - v == 0f)) finite = false;
                float a = v < 0 ? -v : v;
                if (a > amax) amax = a;
            }
            float s = amax / maxFinite;
            for (int i = 0; i < cols; i++)
                y[o + i] = !finite ? float.NaN : s == 0f ? 0f : FormatRound.Round(x[o + i] / s, round) * s;
        }
    }

    private static float Reg(int i, float r0, float r1, float r2, float r3, float r4, float r5, float r6, float r7) =>
        i == 0 ? r0 : i == 1 ? r1 : i == 2 ? r2 : i == 3 ? r3 : i == 4 ? r4 : i == 5 ? r5 : i == 6 ? r6 : r7;
}

public struct ProgramArgs
{
    public long Count;
    public int Length;
    public long Len0, Len1, Len2, Len3;
}

/// <summary>Opcodes of <see cref="ElementwiseKernels.Program"/>; activations are ActivationBase + an <see cref="Activation"/> code.</summary>
public static class ProgramOp
{
    public const int Load0 = 0, Load1 = 1, Load2 = 2, Load3 = 3, Add = 4, Sub = 5, Mul = 6, SwigluClamped = 7, Cast = 8, ActivationBase = 16;
}
