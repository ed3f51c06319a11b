using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>Thrown when an op is built with operands its type inference rejects.</summary>
public sealed class IrBuildException : Exception
{
    public IrBuildException(OpDef def, IReadOnlyList<InferError> errors)
        : base(string.Join("; ", errors.Select(e => e.Message))) { Def = def; Errors = errors; }
    public OpDef Def { get; }
    public IReadOnlyList<InferError> Errors { get; }
}

/// <summary>
/// Creates operations and appends them to a region. Result types come from the op's inference when
/// it has one, so a builder cannot produce an op whose types disagree with its definition.
/// </summary>
public sealed class IrBuilder
{
    private readonly Func<string, long?> _param;

    public IrBuilder(Region region, Func<string, long?> param) { Region = region; _param = param; }
    public IrBuilder(Region region, Module module) : this(region, Resolver(module)) { }

    public Region Region { get; }

    public static Func<string, long?> Resolver(Module module)
    {
        var env = module.EvaluateParams();
        return n => env.TryGetValue(n, out var v) ? v : (long?)null;
    }

    /// <summary>Creates an op without appending it. <paramref name="resultTypes"/> is required for ops
    /// without inference and, when given for others, must agree with it (checked by the verifier).</summary>
    public static Operation Create(OpDef def, IReadOnlyList<Value?> slots, AttrDict? attrs = null,
        IReadOnlyList<TensorType>? resultTypes = null, IReadOnlyList<Region>? regions = null, SourceSpan span = default,
        Func<string, long?>? param = null)
    {
        attrs ??= AttrDict.Empty;
        if (resultTypes is null)
        {
            if (def.Infer is null) throw new ArgumentException($"{def.Name} needs explicit result types");
            var ctx = new InferContext(def, slots.Select(v => v?.Type).ToArray(), attrs, param ?? (_ => null));
            var inferred = def.Infer(ctx);
            if (inferred is null || ctx.Failed) throw new IrBuildException(def, ctx.Errors);
            resultTypes = inferred;
        }
        return new Operation(def, slots.ToArray(), attrs, resultTypes, regions ?? Array.Empty<Region>(), span);
    }

    public Operation Append(OpDef def, IReadOnlyList<Value?> slots, AttrDict? attrs = null,
        IReadOnlyList<TensorType>? resultTypes = null, IReadOnlyList<Region>? regions = null, SourceSpan span = default)
    {
        var op = Create(def, slots, attrs, resultTypes, regions, span, _param);
        Region.Append(op);
        return op;
    }

    /// <summary>Appends a single-result op and returns its result.</summary>
    public Value Add(OpDef def, IReadOnlyList<Value?> slots, AttrDict? attrs = null, SourceSpan span = default) =>
        Append(def, slots, attrs, span: span).Result;

    public static AttrDict Attrs(params (string Key, Attr Value)[] items) =>
        new(items.Select(i => new KeyValuePair<string, Attr>(i.Key, i.Value)));
}
