using System;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Backends.Ilgpu.Weights;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>A matmul's weight operand as an n-major matrix: a stored weight, or an activation made n-major.</summary>
internal sealed record WeightOperand(Func<StepRun, WeightView> View, int Rows, int Cols, TValue[] Reads);

/// <summary>The elementwise tail folded into a matmul launch: bias, activation, then residual.</summary>
internal sealed record EpilogueSpec(TValue? Bias = null, int Act = Activation.None, float ActParam = 0f, TValue? Residual = null)
{
    public static readonly EpilogueSpec None = new();
}

/// <summary>Embedding lookup and matmul; <see cref="EmitMatmul"/> is the GEMM/GEMV choice every
/// projection (fused or not) goes through: up to four rows use the GEMV kernel, more the tiled GEMM.</summary>
internal static class LinearLowering
{
    public const int GemvMaxRows = 4;

    public static readonly (OpDef, OpLowering)[] All = { (NnOps.Embedding, Embedding), (NnOps.MatMul, MatMul) };

    private static void Embedding(TraceContext c, Operation op)
    {
        var ids = c.Data(c.In(op, "ids"));
        var table = Weight(c, c.In(op, "table"), transposeW: true);
        var y = c.Result(op);
        if (ids.InputName is { } input) c.IdChecks.Add((input, table.Rows, op.Name));
        int tokens = (int)ids.Count;
        c.Emit(op.Name, new[] { ids }.Concat(table.Reads), new[] { y }, r => r.Kernels.Embedding(r.View(ids), table.View(r), r.View(y), tokens));
    }

    private static void MatMul(TraceContext c, Operation op)
    {
        var x = GemmInput(c, op, c.Data(c.In(op, "x")));
        var w = Weight(c, c.In(op, "w"), c.Bool(op, "transpose_w"));
        if (x.LastDim != w.Cols) throw c.Error(op, $"x {x.ShapeText} does not match the weight's {w.Cols} inputs");
        EmitMatmul(c, op.Name, x, w, c.Result(op), EpilogueSpec.None);
    }

    /// <summary>x as a GEMM op (matmul or experts) reads it: itself, or rounded to the op's act_dtype
    /// (per-token scaled for FP8) by one launch.</summary>
    public static TValue GemmInput(TraceContext c, Operation gemm, TValue x)
    {
        if (c.DType(gemm, "act_dtype") is not { } type || type == Ir.Types.DType.F32) return x;
        int round = NnLowering.RoundCode(c, gemm, type);
        if (round is not (Kernels.FormatRound.Bf16 or Kernels.FormatRound.Fp8E4M3 or Kernels.FormatRound.Fp8E5M2))
            throw c.Error(gemm, $"act_dtype {type} is not an activation format (bf16, fp8_e4m3, fp8_e5m2, f32)");
        float max = type == Ir.Types.DType.Fp8E5M2 ? 57344f : 448f;
        var y = c.NewActivation(x.Shape);
        long rows = x.Rows;
        int cols = x.LastDim;
        c.Emit(gemm.Name + " input as " + type, new[] { x }, new[] { y }, r => r.Kernels.QuantizeRows(r.View(x), r.View(y), rows, cols, round, max));
        return y;
    }

    /// <summary>The weight operand of a matmul; <paramref name="transposeW"/> means w is [N, K] already.</summary>
    public static WeightOperand Weight(TraceContext c, TValue w, bool transposeW)
    {
        if (w.WeightName is { } name)
        {
            var stored = c.Weights.Matrix(name, transpose: !transposeW);
            return new WeightOperand(_ => stored.View, stored.Packed.Rows, stored.Packed.Cols, Array.Empty<TValue>());
        }
        w = c.Data(w);
        int a = w.Shape[^2], b = w.Shape[^1];
        if (transposeW) return new WeightOperand(r => DeviceWeight.OverActivation(r.View(w), a, b, r.Kernels.None.Cast<byte>()), a, b, new[] { w });
        var t = c.NewActivation(new[] { b, a });
        c.Emit("transpose", new[] { w }, new[] { t }, r => r.Kernels.Transpose(r.View(w), r.View(t), 1, a, b));
        return new WeightOperand(r => DeviceWeight.OverActivation(r.View(t), b, a, r.Kernels.None.Cast<byte>()), b, a, new[] { t });
    }

    /// <summary>y[rows, N] = epilogue(x[rows, K] . W[N, K]) as one launch.</summary>
    public static void EmitMatmul(TraceContext c, string label, TValue x, WeightOperand w, TValue y, EpilogueSpec e)
    {
        int k = x.LastDim, n = w.Rows;
        int m = (int)x.Rows;
        var bias = e.Bias is null ? null : c.Data(e.Bias);
        var residual = e.Residual is null ? null : c.Data(e.Residual);
        var reads = new[] { x, bias, residual }.Concat(w.Reads);
        if (m <= GemvMaxRows)
        {
            var p = new GemvArgs
            {
                M = m, N = n, K = k, Lda = k, Ldc = n, Ldr = n, BiasMode = bias is null ? 0 : 1, Residual = residual is null ? 0 : 1,
                Act = e.Act, ActParam = e.ActParam, PairDiv = 1,
            };
            c.Emit(label + " (gemv)", reads, new[] { y }, r => r.Kernels.Gemv(r.View(x), w.View(r), r.View(y), p,
                bias: bias is null ? null : r.View(bias), residual: residual is null ? null : r.View(residual)));
        }
        else
        {
            var p = new GemmArgs
            {
                M = m, N = n, K = k, Lda = k, Ldc = n, Ldr = n, BiasMode = bias is null ? 0 : 1, Residual = residual is null ? 0 : 1,
                Act = e.Act, ActParam = e.ActParam, GatherDiv = 1,
            };
            c.Emit(label + " (gemm)", reads, new[] { y }, r => r.Kernels.Gemm(r.View(x), w.View(r), r.View(y), p,
                bias: bias is null ? null : r.View(bias), residual: residual is null ? null : r.View(residual)));
        }
    }
}
