using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>A fused kernel means exactly what its member ops mean: run its region on its operands.</summary>
internal static class FusedKernels
{
    public static readonly (OpDef, OpKernel)[] All = { (FusedOps.Kernel, Kernel) };

    private static IReadOnlyList<Tensor> Kernel(OpCall c) =>
        c.Interpreter.RunRegion(c.Step, c.Op.Regions[0], c.Operands, c.Frame, c.Path);
}
