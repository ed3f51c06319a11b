using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// The pointwise ops, one row each: the <see cref="Activation"/> code the unary kernel, kernel
/// epilogues and elementwise programs apply, and the attribute that gives its parameter (if any). The row is
/// the op's whole ILGPU lowering: <see cref="Lowerings"/> lowers it alone, <see cref="TryActivation"/> lets the
/// fusion patterns apply it inside a fused kernel.
/// </summary>
internal static class Pointwise
{
    private sealed record Row(OpDef Def, int Code, string? Param = null, bool PositiveParam = false);

    private static readonly Row[] Table =
    {
        new(NnOps.Silu, Activation.Silu),
        new(NnOps.Gelu, Activation.Gelu),
        new(NnOps.GeluTanh, Activation.GeluTanh),
        new(NnOps.Relu, Activation.Relu),
        new(NnOps.Sigmoid, Activation.Sigmoid),
        new(NnOps.Tanh, Activation.Tanh),
        new(NnOps.Relu2, Activation.Relu2),
        new(NnOps.Scale, Activation.Scale, "factor"),
        // tanh(x / cap) needs a positive cap.
        new(NnOps.Softcap, Activation.Softcap, "cap", PositiveParam: true),
    };

    /// <summary>The broadcasting binary ops: the binary kernel's code and the elementwise program's step.</summary>
    private static readonly (OpDef Def, int Code, int Step)[] Binaries =
    {
        (NnOps.Add, 0, ProgramOp.Add),
        (NnOps.Sub, 1, ProgramOp.Sub),
        (NnOps.Mul, 2, ProgramOp.Mul),
    };

    private static readonly Dictionary<OpDef, Row> Unaries = Table.ToDictionary(r => r.Def);
    private static readonly Dictionary<OpDef, int> Steps = Binaries.ToDictionary(b => b.Def, b => b.Step);

    /// <summary>Each row lowered alone: the unary kernel with its code and parameter, the binary kernel with its code.</summary>
    public static readonly (OpDef, OpLowering)[] Lowerings = Table.Select(r => (r.Def, (OpLowering)((c, op) =>
    {
        var param = r.Param is null ? 0.0 : c.Float(op, r.Param);
        if (r.PositiveParam && !(param > 0)) throw c.Error(op, $"{r.Param} must be positive, got {param}");
        NnLowering.Unary(c, op, r.Code, (float)param);
    }))).Concat(Binaries.Select(b => (b.Def, (OpLowering)((c, op) => NnLowering.Binary(c, op, b.Code))))).ToArray();

    public static bool TryActivation(TraceContext c, Operation op, out int code, out float param)
    {
        param = 0f;
        code = Activation.None;
        if (!Unaries.TryGetValue(op.Def, out var row)) return false;
        if (row.Param is not null) param = (float)c.Float(op, row.Param);
        if (row.PositiveParam && !(param > 0)) return false;
        code = row.Code;
        return true;
    }

    /// <summary>The two-input broadcasting ops the elementwise kernels apply.</summary>
    public static bool IsBinary(Operation op) => Steps.ContainsKey(op.Def);

    /// <summary>The elementwise program's step for a binary op.</summary>
    public static int ProgramStep(Operation op) => Steps[op.Def];
}
