using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference;

/// <summary>Binds a step's shape symbols: every symbol that is a whole dimension of an input takes
/// that input's size; ctx, unless an input binds it, is the tokens already cached plus seq.</summary>
internal static class SymbolBinder
{
    public static Dictionary<string, long> Bind(Module module, IReadOnlyDictionary<string, Tensor> inputs, KvCacheState cache, Func<string, long?> parameters)
    {
        var inputOps = module.Body.Walk().Where(op => op.Def.Structure == OpStructure.Input).ToArray();
        var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var op in inputOps)
        {
            var name = op.Attributes.GetString("name") ?? "";
            if (!inputs.TryGetValue(name, out var t))
                throw new InterpreterException($"core.input '{name}': no tensor was given for this input", op.Name);
            var shape = op.Result.Type.Shape;
            if (shape.Rank != t.Rank)
                throw new InterpreterException($"core.input '{name}': expects {shape} but got {t.ShapeText}", op.Name);
            for (int d = 0; d < shape.Rank; d++)
            {
                if (shape[d] is not SymDim s) continue;
                if (symbols.TryGetValue(s.Name, out var bound) && bound != t.Dim(d))
                    throw new InterpreterException($"core.input '{name}': {s.Name} = {t.Dim(d)} disagrees with {s.Name} = {bound} bound by another input", op.Name);
                symbols[s.Name] = t.Dim(d);
            }
        }
        foreach (var given in inputs.Keys)
            if (!inputOps.Any(op => op.Attributes.GetString("name") == given))
                throw new InterpreterException($"input '{given}' is not an input of module @{module.Name} (inputs: " +
                    string.Join(", ", inputOps.Select(o => o.Attributes.GetString("name"))) + ")");
        if (!symbols.ContainsKey("ctx") && symbols.TryGetValue("seq", out var seq))
            symbols["ctx"] = cache.TokensSeen + seq;
        if (cache.TokensSeen > 0 && cache.Batch is { } cachedBatch && symbols.TryGetValue("batch", out var batch) && batch != cachedBatch)
            throw new InterpreterException($"the cache holds a batch of {cachedBatch} sequences but this step has batch = {batch}");

        // Composite dimensions (e.g. [batch, seq * 2]) are checked once everything is bound.
        foreach (var op in inputOps)
        {
            var shape = op.Result.Type.Shape;
            var t = inputs[op.Attributes.GetString("name") ?? ""];
            for (int d = 0; d < shape.Rank; d++)
            {
                long? expected;
                try { expected = shape[d].Evaluate(parameters, n => symbols.TryGetValue(n, out var v) ? v : null); }
                catch (ArithmeticException) { expected = null; }
                if (expected is null)
                    throw new InterpreterException($"core.input '{op.Attributes.GetString("name")}': dimension {shape[d]} of {shape} cannot be evaluated", op.Name);
                if (expected != t.Dim(d))
                    throw new InterpreterException($"core.input '{op.Attributes.GetString("name")}': expects {shape} but got {t.ShapeText}", op.Name);
            }
        }
        return symbols;
    }
}
