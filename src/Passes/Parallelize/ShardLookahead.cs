using System;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// Decides whether a matmul's output may stay split over its last axis (a column-parallel matmul):
/// yes when every path from it, through ops that keep a split (elementwise, RoPE, reshapes onto a
/// heads axis, the KV cache, per-head norms), ends where a split is consumed: a row-parallel matmul,
/// attention's heads, or the model output (gathered once). A path into anything else (a norm over the
/// split axis, the router, a split of the split axis) means the matrix is better replicated.
/// </summary>
internal sealed class ShardLookahead
{
    private readonly UseMap _uses;
    private readonly Func<Value, bool> _isWeight;

    public ShardLookahead(UseMap uses, Func<Value, bool> isWeight) { _uses = uses; _isWeight = isWeight; }

    /// <summary>Parts the value can stay split into along <paramref name="axis"/> (at most <paramref name="parts"/>), or 0.
    /// Fewer parts than asked are only accepted for attention keys and values (KV heads fewer than the TP ranks).</summary>
    public int Parts(Value v, int axis, int parts) => Walk(v, axis, parts, reduced: false, depth: 0);

    private int Walk(Value v, int axis, int parts, bool reduced, int depth)
    {
        if (depth > 32) return 0;
        int best = parts;
        bool any = false;
        foreach (var (user, slot) in _uses.Of(v))
        {
            any = true;
            int p = Accept(user, slot, v, axis, parts, reduced, depth);
            if (p == 0) return 0;
            best = Math.Min(best, p);
        }
        return any ? best : 0;
    }

    private int Accept(Operation user, string slot, Value v, int axis, int parts, bool reduced, int depth)
    {
        int last = v.Type.Rank - 1;
        var d = user.Def;
        int index = d.SlotIndex(slot);
        // core.output is the model's interface: a split reaching it is gathered once.
        if (d.Structure == OpStructure.Output) return reduced ? 0 : parts;
        switch (d.Shard)
        {
            // The activation input of a column-split weight GEMM: it becomes row-parallel.
            case ShardRule.Gemm:
                return index == 0 && axis == last && _isWeight(user.Operand(d.ComputeWeight!)!) && !user.Attributes.GetBool("transpose_w").GetValueOrDefault()
                    && !reduced ? parts : 0;
            // q, k, v split by heads (fewer parts only for k and v); MLA's query parts only.
            case ShardRule.Heads: return index < 3 && axis == 2 && (!reduced || index != 0) ? parts : 0;
            case ShardRule.LatentHeads: return index < 2 && axis == 2 && !reduced ? parts : 0;
            case ShardRule.Pointwise:
                if (d.Operands.Count == 2 && !OtherOperandOk(user, v, axis)) return 0;
                return Walk(user.Result, axis, parts, reduced, depth + 1);
            case ShardRule.PerRow:
                if (axis == last || index != 0) return 0;
                int best = parts;
                foreach (var r in user.Results)
                {
                    var p = Walk(r, axis, parts, reduced, depth + 1);
                    if (p == 0) return 0;
                    best = Math.Min(best, p);
                }
                return best;
            case ShardRule.PerHead: return axis >= 2 ? Walk(user.Result, axis, parts, reduced, depth + 1) : 0;
            // The recurrent mixers split by heads on axis 2, every operand with the same parts.
            case ShardRule.StateHeads:
                if (axis != 2 || reduced || (user.Def.FindAttr("groups") is not null && (user.Attributes.GetInt("groups")?.AsConst ?? 1) % parts != 0)) return 0;
                return Walk(user.Result, axis, parts, reduced, depth + 1);
        }
        if (d.Shard == ShardRule.View)
        {
            var mapped = ReshapeAxis.Map(v.Type.Shape, user.Result.Type.Shape, axis, parts);
            if (mapped is null) return 0;
            var (outAxis, outParts) = mapped.Value;
            return Walk(user.Result, outAxis, outParts, reduced || outParts < parts, depth + 1);
        }
        return 0;
    }

    /// <summary>A binary op keeps the split if its other operand is split the same way (another
    /// column-parallel matmul's output) or is a vector over the split axis that can be split too.</summary>
    private bool OtherOperandOk(Operation user, Value v, int axis)
    {
        var other = user.Operands.FirstOrDefault(o => o != v) ?? v;
        if (other == v) return true;
        if (_isWeight(other) && other.Type.Rank == 1 && axis == v.Type.Rank - 1) return true;
        return other.Type.Shape.Equals(v.Type.Shape) && FromColumnMatMul(other, 8);
    }

    /// <summary>A value computed by a weight matmul, possibly through per-element ops (silu(x @ w_gate)).</summary>
    private bool FromColumnMatMul(Value v, int depth)
    {
        var op = v.Owner;
        if (op is null || depth == 0) return false;
        if (op.Def.Shard == ShardRule.Gemm) return _isWeight(op.Operand(op.Def.ComputeWeight!)!);
        // Through a recurrent mixer's head split and what keeps it (a view onto the heads, a per-head norm): the gated
        // norms multiply the mixer's output by silu(z), both split by heads.
        if (op.Def.Shard is ShardRule.StateHeads or ShardRule.View || (op.Def.Shard == ShardRule.PerRow && op.Results.Count == 1))
            return FromColumnMatMul(op.Operands[0], depth - 1);
        return op.Def.Shard == ShardRule.Pointwise && op.Operands.Count == 1 && FromColumnMatMul(op.Operands[0], depth - 1);
    }
}

/// <summary>Where a split axis goes through a reshape: to the output axis whose trailing block has the same
/// size, as long as that axis divides into the parts (or fewer parts: KV heads fewer than TP ranks).</summary>
internal static class ReshapeAxis
{
    public static (int Axis, int Parts)? Map(GraphDsl.Ir.Shapes.Shape input, GraphDsl.Ir.Shapes.Shape output, int axis, int parts)
    {
        long? suffixIn = Suffix(input, axis);
        if (suffixIn is null) return null;
        for (int b = 0; b < output.Rank; b++)
        {
            if (Suffix(output, b) != suffixIn) continue;
            var size = output[b].AsConst;
            if (size is null) return null;
            int p = parts;
            while (p > 1 && size % p != 0) p--;
            while (p > 1 && parts % p != 0) p--;
            return p > 1 ? (b, p) : null;
        }
        return null;
    }

    private static long? Suffix(GraphDsl.Ir.Shapes.Shape s, int from)
    {
        long n = 1;
        for (int i = from; i < s.Rank; i++)
        {
            var c = s[i].AsConst;
            if (c is null) return null;
            n *= c.Value;
        }
        return n;
    }
}
