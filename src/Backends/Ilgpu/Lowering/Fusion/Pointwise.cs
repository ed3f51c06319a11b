using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>The one-input pointwise ops a kernel epilogue or an elementwise program can apply, by <see cref="Activation"/> code.</summary>
internal static class Pointwise
{
    public static bool TryActivation(TraceContext c, Operation op, out int code, out float param)
    {
        param = 0f;
        code = Activation.None;
        if (op.Def == NnOps.Silu) code = Activation.Silu;
        else if (op.Def == NnOps.Gelu) code = Activation.Gelu;
        else if (op.Def == NnOps.GeluTanh) code = Activation.GeluTanh;
        else if (op.Def == NnOps.Relu) code = Activation.Relu;
        else if (op.Def == NnOps.Sigmoid) code = Activation.Sigmoid;
        else if (op.Def == NnOps.Tanh) code = Activation.Tanh;
        else if (op.Def == NnOps.Scale) { code = Activation.Scale; param = (float)c.Float(op, "factor"); }
        else if (op.Def == NnOps.Softcap)
        {
            param = (float)c.Float(op, "cap");
            if (!(param > 0)) return false;
            code = Activation.Softcap;
        }
        return code != Activation.None;
    }

    public static bool IsBinary(Operation op) => op.Def == NnOps.Add || op.Def == NnOps.Sub || op.Def == NnOps.Mul;
}
