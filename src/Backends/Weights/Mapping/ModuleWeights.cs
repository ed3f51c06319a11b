using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Weights.Mapping;

/// <summary>
/// Every weight tensor of a module by its full name: a weight inside <c>repeat ... as layers</c> at
/// iteration i is <c>layers.{i}.name</c> (the repeat's offset added to i), a call prefixes its name, and a
/// weight outside both keeps its own name. The reference interpreter names the weights it reads the same way.
/// </summary>
public static class ModuleWeights
{
    private const int MaxDepth = 64;

    public static IReadOnlyList<ModuleWeight> Enumerate(Module module)
    {
        var param = IrBuilder.Resolver(module);
        var result = new List<ModuleWeight>();
        Walk(module, module.Body, "", param, result, 0);
        var duplicate = result.GroupBy(w => w.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"weight '{duplicate.Key}' is declared {duplicate.Count()} times at the same path");
        return result;
    }

    private static void Walk(Module module, Region region, string path, Func<string, long?> param, List<ModuleWeight> acc, int depth)
    {
        if (depth > MaxDepth) throw new InvalidOperationException($"regions nest deeper than {MaxDepth} (recursive calls?)");
        foreach (var op in region.Ops)
        {
            if (op.Def.Structure == OpStructure.Weight)
                acc.Add(Instantiate(op, path, param));
            else if (op.Def.Structure == OpStructure.Loop)
            {
                long count = Evaluate(op, "count", param, 1), offset = Evaluate(op, "offset", param, 0);
                var name = op.Attributes.GetString("name") ?? "layers";
                for (long i = 0; i < count; i++)
                    Walk(module, op.Regions[0], ModelWalker.Join(path, name + "." + (offset + i).ToString(CultureInfo.InvariantCulture)), param, acc, depth + 1);
            }
            else if (op.Def.Structure == OpStructure.Call)
            {
                var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
                var function = callee is null ? null : module.FindFunction(callee);
                if (function is null) throw new InvalidOperationException($"core.call of @{callee}, which the module does not define");
                Walk(module, function.Body, ModelWalker.Join(path, op.Attributes.GetString("name") ?? callee!), param, acc, depth + 1);
            }
            else
                foreach (var r in op.Regions) Walk(module, r, path, param, acc, depth + 1);
        }
    }

    private static ModuleWeight Instantiate(Operation op, string path, Func<string, long?> param)
    {
        var name = ModelWalker.Join(path, op.Attributes.GetString("name") ?? throw new InvalidOperationException("core.weight without a name"));
        var type = op.Result.Type;
        var shape = new long[type.Rank];
        for (int d = 0; d < type.Rank; d++)
        {
            long? v;
            try { v = type.Shape[d].Evaluate(param, _ => null); }
            catch (ArithmeticException) { v = null; }
            shape[d] = v ?? throw new InvalidOperationException($"weight '{name}' has the non-static shape {type.Shape}");
        }
        return new ModuleWeight(name, shape, type.DType, op);
    }

    private static long Evaluate(Operation op, string attr, Func<string, long?> param, long fallback)
    {
        var e = op.Attributes.GetInt(attr);
        if (e is null) return fallback;
        return e.Evaluate(param, _ => null) ?? throw new InvalidOperationException($"{op.Name}: {attr} = {e} is not static");
    }
}
