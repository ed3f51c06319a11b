using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Transforms;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Inline;

/// <summary>
/// Replaces every <c>core.call</c> by a copy of its function's body, recursively, and drops the
/// functions. Weights, calls and repeats copied from a body are renamed under the call's name
/// (<c>attn.wq</c>), so weight paths are the same before and after.
/// </summary>
public sealed class InlinePass : IPass
{
    public static readonly PassInfo PassInfo = new("inline",
        "Inline every block call into its caller and remove the functions; weight names keep the call's prefix.",
        statistics: new[] { "calls_inlined", "functions_removed" });

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        var cloner = new IrCloner();
        var prefixes = new Stack<string>();
        long inlined = 0;
        cloner.Hook = (op, dst) =>
        {
            if (op.Def.Structure == OpStructure.Call)
            {
                var f = module.FindFunction(((SymbolAttr)op.Attributes.Get("callee")!).Name)
                        ?? throw new PassException($"call to unknown function {op.Attributes.Get("callee")}");
                for (int i = 0; i < f.Body.Arguments.Count; i++) cloner.Map(f.Body.Arguments[i], cloner.Lookup(op.Operands[i]));
                prefixes.Push(Prefixed(prefixes, op.Attributes.GetString("name") ?? f.Name));
                foreach (var inner in f.Body.Ops)
                    if (inner.Def.Structure != OpStructure.Return) cloner.CloneOp(inner, dst);
                prefixes.Pop();
                inlined++;
                var ret = f.Body.Terminator!;
                return ret.Operands.Select(cloner.Lookup).ToList();
            }
            if (prefixes.Count > 0 && (op.Def.Structure == OpStructure.Weight || op.Def.Structure == OpStructure.Loop) && op.Attributes.GetString("name") is { } name)
            {
                var copy = cloner.Copy(op, op.Attributes.With("name", Attr.Str(Prefixed(prefixes, name))));
                dst.Append(copy);
                return copy.Results;
            }
            return null;
        };
        var result = IrCloner.CloneModule(module, cloner, keepFunction: _ => false);
        return new PassResult(result, inlined > 0 || module.Functions.Count > 0, new Dictionary<string, long>
        {
            ["calls_inlined"] = inlined,
            ["functions_removed"] = module.Functions.Count,
        });
    }

    private static string Prefixed(Stack<string> prefixes, string name) =>
        prefixes.Count == 0 ? name : ModelWalker.Join(prefixes.Peek(), name);
}
