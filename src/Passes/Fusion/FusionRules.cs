using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Passes.Fusion;

/// <summary>
/// The fusion rules as a table, one row per rule in the order they run: the row names its option, the
/// fusion role of the op a match starts from (<see cref="FusionRole"/>, declared with each op) and the merges
/// it asks for, returning how many it made (the rule's statistic). They follow what production inference
/// compilers fuse: Q/K/V (or MLA's down-projections) into one GEMM; gate and up projections with the
/// activation; the attention kernel with its KV-cache append; the whole routed MoE layer with its router and
/// the shared expert alongside; GEMM epilogues (bias, scale, cast, residual add, RoPE); residual add + norm;
/// remaining elementwise chains.
/// </summary>
internal static class FusionRules
{
    private delegate int Merge(Operation head, FusionGroups g, UseMap uses);

    private sealed record Rule(string Name, Func<OpDef, bool> Head, Merge Apply);

    private static readonly Rule[] Table =
    {
        // matmul(x, wq), matmul(x, wk), matmul(x, wv) -> gemm(x, [wq | wk | wv])
        new("qkv", d => d.Fusion == FusionRole.Gemm, Qkv),
        // act(x @ w_gate) * (x @ w_up), gate(x @ w_gate, x @ w_up) -> one gated-FFN kernel
        new("gated_ffn", d => d.Fusion is FusionRole.Product or FusionRole.Gate, GatedFfn),
        // attention(q, kv_append(k), kv_append(v)) -> attention kernel appending the cache itself
        new("attention", d => d.Fusion == FusionRole.Attention, Attention),
        // experts(x, route(cast(x @ w_router + b))) + shared(x) -> one MoE kernel
        new("moe", d => d.Fusion == FusionRole.Experts, Moe),
        // f(...f(x @ w)) for per-element f (bias, scale, cast, activation, residual add, RoPE, views) -> gemm with epilogue
        new("epilogue", d => d.Fusion == FusionRole.Gemm, Epilogue),
        // norm(a + b) -> one pass writing the sum and the normalized value
        new("norm", d => d.Fusion == FusionRole.Norm, Norm),
        // g(f(x)) for per-element f, g -> one elementwise kernel
        new("elementwise", d => d.FusesPointwise, ElementwiseChain),
    };

    public static readonly string[] Names = Table.Select(r => r.Name).ToArray();

    private static bool IsWeightGemm(Operation? op) =>
        op?.Def.Fusion == FusionRole.Gemm && op.Def.ComputeWeight is { } w && OpCosts.IsWeight(op.Operand(w)!);

    private static bool IsView(Operation op) => op.Def.Fusion is FusionRole.View or FusionRole.Copy;

    /// <summary>The activation input of a GEMM head (its first operand).</summary>
    private static Value Input(Operation gemm) => gemm.Operands[0];

    public static void Apply(string name, FusionGroups g, UseMap uses, Dictionary<string, long> stats)
    {
        var rule = Table.First(r => r.Name == name);
        foreach (var op in g.Ops.ToList())
        {
            if (!rule.Head(op.Def)) continue;
            var merged = rule.Apply(op, g, uses);
            if (merged > 0) stats[name] = (stats.TryGetValue(name, out var n) ? n : 0) + merged;
        }
    }

    /// <summary>Weight GEMMs reading the same activation are merged, with their epilogues; only projections
    /// that feed attention (q, k, v or MLA's latents): gate/up are the gated-FFN rule's.</summary>
    private static int Qkv(Operation op, FusionGroups g, UseMap uses)
    {
        if (!IsWeightGemm(op)) return 0;
        var x = Input(op);
        var siblings = uses.Of(x).Select(u => u.User).Where(u => u != op && IsWeightGemm(u) && g.Contains(u) && Input(u) == x).ToList();
        if (!FeedsAttention(op, uses, 8)) return 0;
        return siblings.Where(s => FeedsAttention(s, uses, 8)).Count(s => g.TryMerge(op, s, "qkv"));
    }

    private static bool FeedsAttention(Operation op, UseMap uses, int depth)
    {
        if (depth == 0) return false;
        foreach (var r in op.Results)
            foreach (var (u, _) in uses.Of(r))
            {
                var role = u.Def.Fusion;
                if (role == FusionRole.Attention) return true;
                if ((IsView(u) || u.Def.FusesPointwise || role is FusionRole.Norm or FusionRole.KvAppend or FusionRole.Gemm) && FeedsAttention(u, uses, depth - 1)) return true;
            }
        return false;
    }

    /// <summary>Both GEMMs and the activation in one kernel.</summary>
    private static int GatedFfn(Operation op, FusionGroups g, UseMap uses)
    {
        Operation? gate = null, up = null, act = null;
        if (op.Def.Fusion == FusionRole.Product)
        {
            var a = op.Operands[0].Owner; var b = op.Operands[1].Owner;
            if (a is not null && a.Def.FusesPointwise && a.Operands.Count == 1 && IsWeightGemm(a.Operands[0].Owner) && IsWeightGemm(b)) { act = a; gate = a.Operands[0].Owner; up = b; }
            else if (b is not null && b.Def.FusesPointwise && b.Operands.Count == 1 && IsWeightGemm(b.Operands[0].Owner) && IsWeightGemm(a)) { act = b; gate = b.Operands[0].Owner; up = a; }
        }
        else if (IsWeightGemm(op.Operands[0].Owner) && IsWeightGemm(op.Operands[1].Owner))
        {
            gate = op.Operands[0].Owner; up = op.Operands[1].Owner;
        }
        if (gate is null || up is null || Input(gate) != Input(up)) return 0;
        bool merged = g.TryMerge(gate, up, "gated_ffn");
        if (act is not null) merged |= g.TryMerge(gate, act, "gated_ffn");
        merged |= g.TryMerge(gate, op, "gated_ffn");
        return merged ? 1 : 0;
    }

    /// <summary>The flash-attention kernel appends this step's keys and values to the cache itself.</summary>
    private static int Attention(Operation op, FusionGroups g, UseMap uses)
    {
        bool merged = false;
        foreach (var v in op.Operands)
            if (v.Owner is { } p && p.Def.Fusion == FusionRole.KvAppend) merged |= g.TryMerge(op, p, "attention");
        return merged ? 1 : 0;
    }

    /// <summary>Router GEMM, scoring, top-k, dispatch, expert GEMMs and combine as one MoE kernel, with the
    /// shared expert's output added alongside.</summary>
    private static int Moe(Operation op, FusionGroups g, UseMap uses)
    {
        bool merged = false;
        // The router's results feed the experts; its first operand is the logits.
        var route = op.Operands.Select(v => v.Owner).FirstOrDefault(p => p?.Def.Fusion == FusionRole.Router);
        if (route is not null)
        {
            merged |= g.TryMerge(op, route, "moe");
            // The chain that produces the logits: cast, bias add, router GEMM.
            var v = route.Operands[0];
            for (int guard = 0; guard < 4 && v.Owner is { } p && (p.Def.Fusion is FusionRole.Convert or FusionRole.Sum || IsWeightGemm(p)); guard++)
            {
                merged |= g.TryMerge(op, p, "moe");
                if (IsWeightGemm(p)) break;
                v = p.Operands[0];
            }
        }
        // Shared expert alongside: add(experts, shared) joins the groups.
        foreach (var (u, _) in uses.Of(op.Result))
            if (u.Def.Fusion == FusionRole.Sum)
            {
                merged |= g.TryMerge(op, u, "moe");
                var other = u.Operands.FirstOrDefault(v => v != op.Result)?.Owner;
                if (other is not null && g.Contains(other)) merged |= g.TryMerge(op, other, "moe");
            }
        return merged ? 1 : 0;
    }

    /// <summary>Per-element consumers of a GEMM run in its epilogue, one merge per consumer.</summary>
    private static int Epilogue(Operation op, FusionGroups g, UseMap uses)
    {
        if (!IsWeightGemm(op)) return 0;
        var current = op;
        int merges = 0;
        for (int guard = 0; guard < 8; guard++)
        {
            var users = current.Results.SelectMany(r => uses.Of(r)).Select(u => u.User).Distinct().ToList();
            if (users.Count != 1) break;
            var next = users[0];
            if (!(next.Def.FusesPointwise || IsView(next)) || !g.Contains(next)) break;
            if (!g.TryMerge(op, next, "epilogue")) break;
            merges++;
            current = next;
        }
        return merges;
    }

    /// <summary>Residual add (or another per-element op) + norm: one pass reads both inputs and writes the sum and the normalized value.</summary>
    private static int Norm(Operation op, FusionGroups g, UseMap uses)
    {
        var p = op.Operands[0].Owner;
        return p is not null && p.Def.FusesPointwise && g.Contains(p) && g.TryMerge(op, p, "norm") ? 1 : 0;
    }

    /// <summary>A per-element op whose only consumer is another per-element op (or a norm) joins it.</summary>
    private static int ElementwiseChain(Operation op, FusionGroups g, UseMap uses)
    {
        var users = op.Results.SelectMany(r => uses.Of(r)).Select(u => u.User).Distinct().ToList();
        return users.Count == 1 && (users[0].Def.FusesPointwise || users[0].Def.Fusion == FusionRole.Norm) && g.Contains(users[0])
               && g.TryMerge(users[0], op, "elementwise") ? 1 : 0;
    }
}
