using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>
/// A kernel made of several ops, produced by the fuse pass. Its region holds the member ops (arguments
/// are the kernel's inputs, the yield its outputs), so the printed IR shows each group and its members.
/// Cost: the members' FLOPs, weight and KV bytes added up, but activation traffic only at the kernel's
/// boundary (intermediates stay on chip) plus what members move between passes of their own
/// (<see cref="OpCost.InternalBytes"/>), and one launch.
/// </summary>
public static class FusedOps
{
    public static readonly OpDef Kernel = new("fused.kernel", "A fused kernel: the member ops in its region run as one launch; intermediates never reach HBM.")
    {
        Structure = OpStructure.Kernel,
        Operands = L(Var("inputs", "values the kernel reads (activations and weights)")),
        Attrs = L(Str("kind", "what was fused: gemm_epilogue, gated_ffn, qkv, attention, norm, moe, elementwise"),
            Str("rules", "the fusion rules that formed the group", "")),
        ResultNames = L("outputs"),
        RegionCount = 1,
        Traits = OpTraits.None,
        Callable = false,
        Cost = KernelCost,
        Example = "%7 = fused.kernel %2, %5, %6 {kind = \"gated_ffn\"} : bf16[batch, seq, 14336] {\n^(%a: ..., %wg: ..., %wu: ...):\n  ...\n  core.yield %h\n}",
    };

    public static readonly OpDef[] All = { Kernel };

    private static OpCost KernelCost(CostContext c)
    {
        var op = c.Op;
        var region = op.Regions[0];
        Poly flops = Poly.Zero, weights = Poly.Zero, kv = Poly.Zero, inner = Poly.Zero;
        GemmShape? gemm = null;
        MoeWork? moe = null;
        OpClass cls = OpClass.Elementwise;
        foreach (var member in region.Ops)
        {
            if (member.Def.Cost is null) continue;
            var m = member.Def.Cost(new CostContext(member, c.ParamResolver, c.Phase));
            flops += m.Flops;
            weights += m.WeightBytes;
            kv += m.KvBytes;
            inner += m.InternalBytes;
            if (m.Moe is not null) moe = m.Moe;
            if (m.Gemm is not null && (gemm is null || m.Class == OpClass.Gemm)) gemm ??= m.Gemm;
            cls = Dominant(cls, m.Class);
        }
        // HBM traffic at the boundary only: activations read from outside and results written.
        var activations = op.Operands.Where(v => !OpCosts.IsWeight(v)).Aggregate(Poly.Zero, (acc, v) => acc + c.Bytes(v.Type));
        activations += op.Results.Aggregate(Poly.Zero, (acc, v) => acc + c.Bytes(v.Type));
        // A member that is itself several passes (a fused MoE) still writes and reads its own intermediates.
        return new OpCost { Class = cls, Flops = flops, WeightBytes = weights, KvBytes = kv, ActivationBytes = activations + inner, InternalBytes = inner, Gemm = gemm, Moe = moe };
    }

    /// <summary>The class whose efficiency governs the kernel: routed experts, then attention, then GEMMs, then the rest.</summary>
    private static OpClass Dominant(OpClass a, OpClass b)
    {
        int Rank(OpClass x) => x switch { OpClass.GroupedGemm => 5, OpClass.Attention => 4, OpClass.Gemm => 3, OpClass.Norm => 2, OpClass.Routing => 2, OpClass.Elementwise => 1, _ => 0 };
        return Rank(b) > Rank(a) ? b : a;
    }
}
