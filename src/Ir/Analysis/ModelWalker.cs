using System;
using System.Collections.Generic;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Ir.Analysis;

/// <summary>An op as executed once per model step: how many times it runs (repeat trip counts
/// multiplied through), the layer group it belongs to and its weight-name path.</summary>
public readonly struct WalkedOp
{
    public WalkedOp(Operation op, long multiplicity, string group, string path, bool insideKernel = false)
    {
        Op = op; Multiplicity = multiplicity; Group = group; Path = path; InsideKernel = insideKernel;
    }
    /// <summary>True for the members of a fused kernel: the kernel carries their cost.</summary>
    public bool InsideKernel { get; }
    public Operation Op { get; }
    public long Multiplicity { get; }
    /// <summary>The top-level repeat (its name) or top-level call/weight the op belongs to.</summary>
    public string Group { get; }
    /// <summary>Dotted name prefix of the op: repeat and call names down to it.</summary>
    public string Path { get; }
}

/// <summary>
/// Walks a module's body as one step executes it: repeat bodies count `count` times and calls are
/// followed into their functions, so analyses work the same before and after inlining.
/// </summary>
public static class ModelWalker
{
    public static IEnumerable<WalkedOp> Walk(Module m)
    {
        var param = IrBuilder.Resolver(m);
        var result = new List<WalkedOp>();
        WalkRegion(m, m.Body, 1, null, "", param, result, 0, false);
        return result;
    }

    private static void WalkRegion(Module m, Region r, long mult, string? group, string path, Func<string, long?> param, List<WalkedOp> acc, int depth, bool inKernel)
    {
        if (depth > 64) throw new InvalidOperationException("call nesting deeper than 64 (recursive functions?)");
        foreach (var op in r.Ops)
        {
            var name = op.Attributes.GetString("name");
            var g = group ?? (op.Def.Structure == OpStructure.Loop || op.Def.Structure == OpStructure.Call || op.Def.Structure == OpStructure.Weight ? name ?? op.Name : "other");
            acc.Add(new WalkedOp(op, mult, g, path, inKernel));
            if (op.Def.Structure == OpStructure.Loop)
            {
                long count = TripCount(op, param);
                WalkRegion(m, op.Regions[0], checked(mult * count), g, Join(path, name ?? "layers"), param, acc, depth + 1, inKernel);
            }
            else if (op.Def.Structure == OpStructure.Call)
            {
                var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
                var f = callee is null ? null : m.FindFunction(callee);
                if (f is not null) WalkRegion(m, f.Body, mult, g, Join(path, name ?? callee!), param, acc, depth + 1, inKernel);
            }
            else
                foreach (var region in op.Regions) WalkRegion(m, region, mult, g, path, param, acc, depth + 1, inKernel || op.Def.Structure == Ops.OpStructure.Kernel);
        }
    }

    /// <summary>How many times a repeat runs its body (1 where its count does not evaluate).</summary>
    public static long TripCount(Operation loop, Func<string, long?> param)
    {
        try { return loop.Attributes.GetInt("count")?.Evaluate(param, _ => null) ?? 1; } catch (ArithmeticException) { return 1; }
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
