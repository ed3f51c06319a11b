using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Canonicalize;

/// <summary>
/// Brings a module to canonical form: parameter arithmetic folded to constants everywhere (types,
/// attributes, repeat counts), dead pure ops removed, equal pure ops merged (CSE), local algebraic
/// rewrites applied (<see cref="CanonicalPatterns"/>), and functions no call reaches dropped.
/// </summary>
public sealed class CanonicalizePass : IPass
{
    public static readonly PassInfo PassInfo = new("canonicalize",
        "Fold parameter arithmetic to constants, eliminate dead values, merge common subexpressions, apply local rewrites.",
        statistics: new[] { "params_folded", "dead_ops", "cse_merged", "rewrites" });

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        var env = module.EvaluateParams();
        DimExpr Fold(DimExpr d) => d.SubstituteParams(n => env.TryGetValue(n, out var v) ? DimExpr.Of(v) : null).Simplify();
        long foldedParams = module.Params.Count(p => p.Value is not ConstDim);

        var live = Liveness.LiveOps(module);
        long dead = module.WalkAll().Count(op => !live.Contains(op));
        var cloner = new IrCloner(Fold);
        var cse = new CseTable();
        long merged = 0, rewrites = 0;
        cloner.Hook = (op, dst) =>
        {
            if (!live.Contains(op)) return op.Results.Select(r => r).ToList(); // never used: nothing refers to the mapping
            var rewritten = CanonicalPatterns.TryRewrite(op, cloner, dst);
            if (rewritten is not null) { rewrites++; return rewritten; }
            if (!CseTable.Eligible(op)) return null;
            var key = cse.Key(op, cloner, dst);
            if (cse.TryGet(key, out var existing)) { merged++; return existing; }
            var copy = cloner.Copy(op, op.Attributes);
            dst.Append(copy);
            cse.Add(key, copy.Results);
            return copy.Results;
        };
        var called = new HashSet<string>(module.WalkAll().Where(o => o.Def.Structure == OpStructure.Call)
            .Select(o => ((SymbolAttr)o.Attributes.Get("callee")!).Name));
        var result = IrCloner.CloneModule(module, cloner, p => Fold(p.Value), f => called.Contains(f.Name));
        // Rewrites can leave their old operands unused: one more sweep removes them.
        var stillLive = Liveness.LiveOps(result);
        long late = result.WalkAll().Count(op => !stillLive.Contains(op));
        if (late > 0)
        {
            var sweep = new IrCloner { Hook = (op, _) => stillLive.Contains(op) ? null : op.Results.ToList() };
            result = IrCloner.CloneModule(result, sweep);
            dead += late;
        }
        bool changed = foldedParams + dead + merged + rewrites > 0 || result.Functions.Count != module.Functions.Count ||
                       module.WalkAll().Any(o => o.Attributes.Any(a => a.Value is IntAttr { Value: not ConstDim }));
        return new PassResult(result, changed, new Dictionary<string, long>
        {
            ["params_folded"] = foldedParams,
            ["dead_ops"] = dead,
            ["cse_merged"] = merged,
            ["rewrites"] = rewrites,
        });
    }
}
