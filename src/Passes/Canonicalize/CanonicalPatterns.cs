using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;

namespace GraphDsl.Passes.Canonicalize;

/// <summary>
/// Local rewrites, one row per algebraic identity. Each returns the values that replace the op's
/// results (it may emit new ops into the destination), or null when it does not apply.
/// </summary>
internal static class CanonicalPatterns
{
    private delegate IReadOnlyList<Value>? Pattern(Operation op, IrCloner c, Region dst);

    private static readonly (OpDef Def, Pattern Rewrite)[] Table =
    {
        // scale(x, 1) -> x
        (NnOps.Scale, (op, c, _) => op.Attributes.GetFloat("factor") == 1.0 ? new[] { c.Lookup(op.Operands[0]) } : null),
        // cast(x : T, T) -> x
        (NnOps.Cast, (op, c, _) => c.Lookup(op.Operands[0]).Type.DType == op.Attributes.GetDType("dtype") ? new[] { c.Lookup(op.Operands[0]) } : null),
        // reshape(x : S, S) -> x
        (NnOps.Reshape, (op, c, _) =>
        {
            var x = c.Lookup(op.Operands[0]);
            return x.Type.Shape.Equals(c.Type(op.Result.Type).Shape) ? new[] { x } : null;
        }),
        // reshape(reshape(x, S1), S2) -> reshape(x, S2)
        (NnOps.Reshape, (op, c, dst) =>
        {
            var inner = c.Lookup(op.Operands[0]).Owner;
            if (inner?.Def != NnOps.Reshape) return null; // identity on purpose: the rewrite is the algebra of reshape itself
            var fused = IrBuilder.Create(NnOps.Reshape, new Value?[] { inner.Operands[0] }, c.Attrs(op.Attributes),
                new[] { c.Type(op.Result.Type) }, span: op.Span);
            dst.Append(fused);
            return fused.Results;
        }),
    };

    public static IReadOnlyList<Value>? TryRewrite(Operation op, IrCloner cloner, Region dst)
    {
        foreach (var (def, rewrite) in Table)
            if (def == op.Def && rewrite(op, cloner, dst) is { } r) return r;
        return null;
    }
}
