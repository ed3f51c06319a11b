using GraphDsl.Backends.Reference.Functions;
using System;
using System.Collections.Generic;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>The structural ops: inputs, weights (named by repeat iteration and call path), outputs,
/// repeats (the body once per iteration, carrying values), calls and the terminators.</summary>
internal static class CoreKernels
{
    private const int MaxCallDepth = 64;

    public static readonly (OpDef, OpKernel)[] All =
    {
        (CoreOps.Input, Input),
        (CoreOps.Weight, Weight),
        (CoreOps.Output, Output),
        (CoreOps.Repeat, Repeat),
        (CoreOps.Call, Call),
        // Terminators are handled by the region runner, which returns their operands.
        (CoreOps.Yield, _ => Array.Empty<Tensor>()),
        (CoreOps.Return, _ => Array.Empty<Tensor>()),
    };

    private static IReadOnlyList<Tensor> Input(OpCall c)
    {
        var name = c.Str("name");
        return OpKernels.One(c.Step.Inputs.TryGetValue(name, out var t) ? t : throw c.Error($"no tensor was given for input '{name}'"));
    }

    /// <summary>Full weight name: the path of repeat iterations and calls, then the weight's own name.</summary>
    public static string WeightName(OpCall c) => ModelWalker.Join(c.Path, c.Str("name"));

    private static IReadOnlyList<Tensor> Weight(OpCall c)
    {
        var name = WeightName(c);
        if (!c.Interpreter.Weights.TryGet(name, out var t))
            throw c.Error($"weight '{name}' is missing from the weight set");
        var shape = c.Dims(c.Op.Result.Type.Shape);
        if (!t.SameShape(shape))
            throw c.Error($"weight '{name}' is {t.ShapeText} but the module declares {Tensor.Format(shape)}");
        // A weight declared in a narrower format holds the master values as stored in it.
        var type = c.Op.Result.Type.DType;
        return OpKernels.One(WeightStorage.Rounds(type) ? c.Interpreter.StoredWeight(name, type, t) : t);
    }

    private static IReadOnlyList<Tensor> Output(OpCall c)
    {
        var name = c.Str("name");
        if (c.Step.Outputs.ContainsKey(name)) throw c.Error($"output '{name}' is produced twice");
        c.Step.Outputs[name] = c.Input("value");
        return Array.Empty<Tensor>();
    }

    /// <summary>Iteration i of <c>repeat ... as name</c> runs under the path <c>name.{offset + i}</c>.</summary>
    private static IReadOnlyList<Tensor> Repeat(OpCall c)
    {
        var count = c.Int("count");
        var offset = c.Int("offset");
        var name = c.Str("name");
        IReadOnlyList<Tensor> carried = c.Variadic;
        for (long i = 0; i < count; i++)
        {
            var path = ModelWalker.Join(c.Path, name + "." + (offset + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            carried = c.Interpreter.RunRegion(c.Step, c.Op.Regions[0], carried, c.Frame, path);
            if (carried.Count != c.Op.Results.Count)
                throw c.Error($"the body yields {carried.Count} values but the repeat carries {c.Op.Results.Count}");
        }
        return carried;
    }

    /// <summary>A call runs the function body on its arguments; its weights live under the call's name.
    /// Function bodies do not see the caller's values.</summary>
    private static IReadOnlyList<Tensor> Call(OpCall c)
    {
        var callee = (c.Op.Attributes.Get("callee") as SymbolAttr)?.Name ?? throw c.Error("has no callee");
        var function = c.Step.Module.FindFunction(callee) ?? throw c.Error($"calls @{callee}, which the module does not define");
        var name = c.Op.Attributes.GetString("name") ?? callee;
        if (++c.Step.CallDepth > MaxCallDepth) throw c.Error($"calls nest deeper than {MaxCallDepth} (recursion?)");
        try
        {
            var results = c.Interpreter.RunRegion(c.Step, function.Body, c.Variadic, null, ModelWalker.Join(c.Path, name));
            if (results.Count != c.Op.Results.Count)
                throw c.Error($"@{callee} returns {results.Count} values but the call expects {c.Op.Results.Count}");
            return results;
        }
        finally { c.Step.CallDepth--; }
    }
}
