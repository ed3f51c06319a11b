using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Fusion;

/// <summary>
/// Groups ops into <c>fused.kernel</c>s so memory-bound ops stop round-tripping through HBM and kernel
/// launches drop. Rules run in a fixed order (<see cref="FusionRules"/>); each can be switched off
/// (<c>fuse{attention=false}</c>). Groups never cross a collective, a region or the model's interface, and
/// stay convex. The kernel's region shows its members; values used outside become its outputs.
/// </summary>
public sealed class FusePass : IPass
{
    public static readonly PassInfo PassInfo = new("fuse",
        "Group ops into fused kernels (QKV, gated FFN, attention + KV append, MoE, GEMM epilogues, residual + norm, elementwise chains).",
        FuseOptions.Declared,
        new[] { "kernels_before", "kernels_after" }.Concat(FusionRules.Names).ToArray());

    private readonly FuseOptions _options;

    public FusePass(FuseOptions options) { _options = options; }

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        if (module.Functions.Count > 0) throw new PassException("fuse needs a flat module: run 'inline' first");
        var uses = UseMap.Build(module);
        var stats = new Dictionary<string, long>();
        var plans = new Dictionary<Region, FusionGroups>();
        foreach (var region in Regions(module.Body))
        {
            var groups = new FusionGroups(region);
            foreach (var rule in _options.Rules)
                FusionRules.Apply(rule, groups, uses, stats);
            plans[region] = groups;
        }
        long before = module.WalkAll().Count(IsKernel);
        var cloner = new IrCloner();
        var emitted = new HashSet<Operation>();
        cloner.Hook = (op, dst) => null;
        var result = new Module(module.Name) { Attributes = module.Attributes };
        foreach (var p in module.Params) result.AddParam(p.Name, p.Value);
        result.Symbols.Clear();
        result.Symbols.AddRange(module.Symbols);
        EmitRegion(module.Body, result.Body, plans, cloner, uses);
        long after = result.WalkAll().Count(o => IsKernel(o) && !InsideKernel(o));
        stats["kernels_before"] = before;
        stats["kernels_after"] = after;
        return new PassResult(result, after != before, stats);
    }

    private static bool InsideKernel(Operation op) => op.ParentRegion?.Parent?.Def.Structure == OpStructure.Kernel;

    /// <summary>An op that launches a kernel (views and structure do not).</summary>
    private static bool IsKernel(Operation op) =>
        op.Def.Structure == OpStructure.Kernel || (FusionGroups.Fusable(op) && op.Def.Fusion != FusionRole.View
                                      && !(op.Def.Fusion == FusionRole.Convert && op.Operands[0].Type.DType == op.Result.Type.DType));

    private static IEnumerable<Region> Regions(Region r)
    {
        yield return r;
        foreach (var op in r.Ops)
            foreach (var inner in op.Regions)
                foreach (var x in Regions(inner)) yield return x;
    }

    /// <summary>Rebuilds a region: groups in dependency order (original order where free), each multi-op group as one kernel.</summary>
    private void EmitRegion(Region src, Region dst, Dictionary<Region, FusionGroups> plans, IrCloner cloner, UseMap uses)
    {
        var groups = plans[src];
        var units = groups.Groups().Select(g => g.Members).ToList();
        var unitOf = new Dictionary<Operation, int>();
        for (int u = 0; u < units.Count; u++) foreach (var op in units[u]) unitOf[op] = u;
        foreach (var u in Order(units, unitOf))
        {
            var members = units[u];
            bool kernel = members.Count(m => m.Def.Fusion != FusionRole.View) > 1;
            if (!kernel)
            {
                foreach (var op in members) EmitOp(op, dst, plans, cloner, uses);
                continue;
            }
            EmitKernel(members, dst, groups.RulesOf(groups.GroupOf(members[0])), cloner, uses);
        }
        if (src.Terminator is { } t) dst.Append(cloner.Copy(t, t.Attributes));
    }

    private void EmitOp(Operation op, Region dst, Dictionary<Region, FusionGroups> plans, IrCloner cloner, UseMap uses)
    {
        if (op.Regions.Count == 0) { dst.Append(cloner.Copy(op, op.Attributes)); return; }
        var regions = op.Regions.Select(r =>
        {
            var nr = new Region();
            foreach (var a in r.Arguments) cloner.Map(a, nr.AddArgument(a.Type));
            EmitRegion(r, nr, plans, cloner, uses);
            return nr;
        }).ToList();
        var copy = IrBuilder.Create(op.Def, op.Slots.Select(v => v is null ? null : cloner.Lookup(v)).ToArray(), op.Attributes,
            op.Results.Select(r => r.Type).ToArray(), regions, op.Span);
        for (int i = 0; i < op.Results.Count; i++) cloner.Map(op.Results[i], copy.Results[i]);
        dst.Append(copy);
    }

    private static void EmitKernel(List<Operation> members, Region dst, IReadOnlyCollection<string> rules, IrCloner cloner, UseMap uses)
    {
        var set = new HashSet<Operation>(members);
        var inputs = new List<Value>();
        foreach (var m in members)
            foreach (var v in m.Operands)
                if ((v.Owner is null || !set.Contains(v.Owner)) && !inputs.Contains(v)) inputs.Add(v);
        var outputs = members.SelectMany(m => m.Results).Where(r => uses.Of(r).Any(u => !set.Contains(u.User))).ToList();
        var body = new Region();
        var inner = new IrCloner();
        foreach (var v in inputs) inner.Map(v, body.AddArgument(v.Type));
        foreach (var m in members) inner.CloneOp(m, body);
        body.Append(IrBuilder.Create(CoreOps.Yield, outputs.Select(o => (Value?)inner.Lookup(o)).ToArray(), resultTypes: Array.Empty<TensorType>()));
        var kind = Kind(members, rules);
        var attrs = IrBuilder.Attrs(("kind", Attr.Str(kind)), ("rules", Attr.Str(string.Join(",", rules.OrderBy(r => Array.IndexOf(FusionRules.Names, r))))));
        var kernel = IrBuilder.Create(FusedOps.Kernel, inputs.Select(v => (Value?)cloner.Lookup(v)).ToArray(), attrs,
            outputs.Select(o => o.Type).ToArray(), new[] { body }, members[0].Span);
        dst.Append(kernel);
        for (int i = 0; i < outputs.Count; i++) cloner.Map(outputs[i], kernel.Results[i]);
    }

    private static string Kind(List<Operation> members, IReadOnlyCollection<string> rules)
    {
        bool Has(FusionRole role) => members.Any(m => m.Def.Fusion == role);
        if (Has(FusionRole.Experts)) return "moe";
        if (Has(FusionRole.Attention)) return "attention";
        if (rules.Contains("gated_ffn")) return "gated_ffn";
        if (rules.Contains("qkv")) return "qkv";
        if (Has(FusionRole.Gemm)) return "gemm_epilogue";
        if (Has(FusionRole.Norm)) return "norm";
        return "elementwise";
    }

    /// <summary>Topological order of the units, taking the unit with the earliest first member when several are ready.</summary>
    private static IEnumerable<int> Order(List<List<Operation>> units, Dictionary<Operation, int> unitOf)
    {
        int n = units.Count;
        var deps = new HashSet<int>[n];
        var indegree = new int[n];
        var users = new List<int>[n];
        for (int u = 0; u < n; u++) { deps[u] = new HashSet<int>(); users[u] = new List<int>(); }
        for (int u = 0; u < n; u++)
            foreach (var op in units[u])
                foreach (var v in Operands(op))
                    if (v.Owner is not null && unitOf.TryGetValue(v.Owner, out var p) && p != u && deps[u].Add(p)) { indegree[u]++; users[p].Add(u); }
        // Each unit's earliest member in program order (unitOf lists the ops in the order they were visited).
        var index = new Dictionary<Operation, int>(unitOf.Count);
        foreach (var op in unitOf.Keys) index[op] = index.Count;
        var firstIndex = units.Select(us => us.Min(op => index[op])).ToArray();
        int k = 0;
        var ready = new SortedSet<(int, int)>(Enumerable.Range(0, n).Where(u => indegree[u] == 0).Select(u => (firstIndex[u], u)));
        while (ready.Count > 0)
        {
            var (_, u) = ready.Min;
            ready.Remove(ready.Min);
            k++;
            yield return u;
            foreach (var w in users[u])
                if (--indegree[w] == 0) ready.Add((firstIndex[w], w));
        }
        if (k != n) throw new PassException("fusion produced a cycle (a bug in a rule's legality check)");
    }

    /// <summary>Values an op reads, including those read inside its regions from outside.</summary>
    private static IEnumerable<Value> Operands(Operation op)
    {
        foreach (var v in op.Operands) yield return v;
        foreach (var r in op.Regions)
            foreach (var inner in r.Walk())
                foreach (var v in inner.Operands) yield return v;
    }
}
