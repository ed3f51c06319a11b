using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Passes.Fusion;

/// <summary>
/// The fusion rules, each a pattern over the region and the merges it asks for. They follow what
/// production inference compilers fuse: Q/K/V (or MLA's down-projections) into one GEMM; gate and up
/// projections with the activation; the attention kernel with its KV-cache append; GEMM epilogues
/// (bias, scale, cast, residual add, RoPE); residual add + norm; the whole routed MoE layer with its
/// router and the shared expert alongside; remaining elementwise chains.
/// </summary>
internal static class FusionRules
{
    public static readonly string[] Names = { "qkv", "gated_ffn", "attention", "moe", "epilogue", "norm", "elementwise" };

    private static bool IsWeightMatMul(Operation? op) => op?.Def == NnOps.MatMul && OpCosts.IsWeight(op.Operand("w")!);

    private static bool Elementwise(Operation op) =>
        (op.Def.Traits & OpTraits.Elementwise) != 0 || op.Def == NnOps.Softcap || op.Def == NnOps.Rope;

    private static bool View(Operation op) => op.Def == NnOps.Reshape || op.Def == NnOps.Split || op.Def == NnOps.LastToken;

    public static void Apply(string rule, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        foreach (var op in g.Ops.ToList())
        {
            switch (rule)
            {
                case "qkv": Qkv(op, g, uses, stats); break;
                case "gated_ffn": GatedFfn(op, g, stats); break;
                case "attention": Attention(op, g, stats); break;
                case "moe": Moe(op, g, uses, stats); break;
                case "epilogue": Epilogue(op, g, uses, stats); break;
                case "norm": Norm(op, g, stats); break;
                case "elementwise": ElementwiseChain(op, g, uses, stats); break;
            }
        }
    }

    private static void Count(Dictionary<string, long> stats, string rule, bool merged)
    {
        if (merged) stats[rule] = (stats.TryGetValue(rule, out var n) ? n : 0) + 1;
    }

    /// <summary>matmul(x, wq), matmul(x, wk), matmul(x, wv) -> one GEMM over [wq | wk | wv] (likewise MLA's
    /// wq_a and wkv_a): weight matmuls reading the same activation are merged, with their epilogues.</summary>
    private static void Qkv(Operation op, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        if (!IsWeightMatMul(op)) return;
        var x = op.Operand("x")!;
        var siblings = uses.Of(x).Select(u => u.User).Where(u => u != op && IsWeightMatMul(u) && g.Contains(u) && u.Operand("x") == x).ToList();
        // Only projections that feed attention (q, k, v or MLA's latents); gate/up are the gated-FFN rule's.
        if (!FeedsAttention(op, uses, 8)) return;
        foreach (var s in siblings.Where(s => FeedsAttention(s, uses, 8)))
            Count(stats, "qkv", g.TryMerge(op, s, "qkv"));
    }

    private static bool FeedsAttention(Operation op, UseMap uses, int depth)
    {
        if (depth == 0) return false;
        foreach (var r in op.Results)
            foreach (var (u, _) in uses.Of(r))
            {
                if (u.Def == AttentionOps.Attention || u.Def == AttentionOps.MlaAttention) return true;
                if ((View(u) || Elementwise(u) || u.Def == NnOps.RmsNorm || u.Def == AttentionOps.KvCache || u.Def == NnOps.MatMul) && FeedsAttention(u, uses, depth - 1)) return true;
            }
        return false;
    }

    /// <summary>mul(act(x @ w_gate), x @ w_up) and swiglu_clamped(x @ w_gate, x @ w_up): both GEMMs and the activation in one kernel.</summary>
    private static void GatedFfn(Operation op, FusionGroups g, Dictionary<string, long> stats)
    {
        Operation? gate = null, up = null, act = null;
        if (op.Def == NnOps.Mul)
        {
            var a = op.Operands[0].Owner; var b = op.Operands[1].Owner;
            if (a is not null && Elementwise(a) && a.Operands.Count == 1 && IsWeightMatMul(a.Operands[0].Owner) && IsWeightMatMul(b)) { act = a; gate = a.Operands[0].Owner; up = b; }
            else if (b is not null && Elementwise(b) && b.Operands.Count == 1 && IsWeightMatMul(b.Operands[0].Owner) && IsWeightMatMul(a)) { act = b; gate = b.Operands[0].Owner; up = a; }
        }
        else if (op.Def == NnOps.SwigluClamped && IsWeightMatMul(op.Operands[0].Owner) && IsWeightMatMul(op.Operands[1].Owner))
        {
            gate = op.Operands[0].Owner; up = op.Operands[1].Owner;
        }
        if (gate is null || up is null || gate.Operand("x") != up.Operand("x")) return;
        bool merged = g.TryMerge(gate, up, "gated_ffn");
        if (act is not null) merged |= g.TryMerge(gate, act, "gated_ffn");
        merged |= g.TryMerge(gate, op, "gated_ffn");
        Count(stats, "gated_ffn", merged);
    }

    /// <summary>The flash-attention kernel appends this step's keys and values to the cache itself.</summary>
    private static void Attention(Operation op, FusionGroups g, Dictionary<string, long> stats)
    {
        if (op.Def != AttentionOps.Attention && op.Def != AttentionOps.MlaAttention) return;
        bool merged = false;
        foreach (var v in op.Operands)
            if (v.Owner is { } p && p.Def == AttentionOps.KvCache) merged |= g.TryMerge(op, p, "attention");
        Count(stats, "attention", merged);
    }

    /// <summary>Router GEMM, scoring, top-k, dispatch, expert GEMMs and combine as one MoE kernel, with the
    /// shared expert's output added alongside.</summary>
    private static void Moe(Operation op, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        if (op.Def != MoeOps.Experts) return;
        bool merged = false;
        var route = op.Operand("indices")!.Owner;
        if (route?.Def == MoeOps.Route)
        {
            merged |= g.TryMerge(op, route, "moe");
            // The chain that produces the logits: cast, bias add, router GEMM.
            var v = route.Operand("logits")!;
            for (int guard = 0; guard < 4 && v.Owner is { } p && (p.Def == NnOps.Cast || p.Def == NnOps.Add || IsWeightMatMul(p)); guard++)
            {
                merged |= g.TryMerge(op, p, "moe");
                if (IsWeightMatMul(p)) break;
                v = p.Operands[0];
            }
        }
        // Shared expert alongside: add(experts, shared) joins the groups.
        foreach (var (u, _) in uses.Of(op.Result))
            if (u.Def == NnOps.Add)
            {
                merged |= g.TryMerge(op, u, "moe");
                var other = u.Operands.FirstOrDefault(v => v != op.Result)?.Owner;
                if (other is not null && g.Contains(other)) merged |= g.TryMerge(op, other, "moe");
            }
        Count(stats, "moe", merged);
    }

    /// <summary>Per-element consumers of a GEMM (bias, scale, cast, activation, residual add, RoPE, views) run in its epilogue.</summary>
    private static void Epilogue(Operation op, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        if (!IsWeightMatMul(op)) return;
        var current = op;
        for (int guard = 0; guard < 8; guard++)
        {
            var users = current.Results.SelectMany(r => uses.Of(r)).Select(u => u.User).Distinct().ToList();
            if (users.Count != 1) return;
            var next = users[0];
            if (!(Elementwise(next) || View(next)) || !g.Contains(next)) return;
            if (!g.TryMerge(op, next, "epilogue")) return;
            Count(stats, "epilogue", true);
            current = next;
        }
    }

    /// <summary>Residual add + RMSNorm/LayerNorm: one pass reads both inputs and writes the sum and the normalized value.</summary>
    private static void Norm(Operation op, FusionGroups g, Dictionary<string, long> stats)
    {
        if (op.Def != NnOps.RmsNorm && op.Def != NnOps.LayerNorm) return;
        var p = op.Operand("x")!.Owner;
        if (p is not null && (p.Def == NnOps.Add || Elementwise(p)) && g.Contains(p))
            Count(stats, "norm", g.TryMerge(op, p, "norm"));
    }

    /// <summary>A per-element op whose only consumer is another per-element op joins it.</summary>
    private static void ElementwiseChain(Operation op, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        if (!Elementwise(op)) return;
        var users = op.Results.SelectMany(r => uses.Of(r)).Select(u => u.User).Distinct().ToList();
        if (users.Count == 1 && (Elementwise(users[0]) || users[0].Def == NnOps.RmsNorm) && g.Contains(users[0]))
            Count(stats, "elementwise", g.TryMerge(users[0], op, "elementwise"));
    }
}
