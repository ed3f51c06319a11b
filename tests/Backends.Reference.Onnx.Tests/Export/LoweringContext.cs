using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// What a lowering sees of one IR op: the ONNX names of its operands by slot, its attributes with the
/// op's declared defaults, the graph being built and the step's symbols. A form the exporter does not
/// lower is refused by <see cref="Unsupported"/>, naming the op, never exported approximately.
/// </summary>
internal sealed class LoweringContext
{
    public LoweringContext(OnnxExporter exporter, ExportFrame frame, Operation op)
    {
        Exporter = exporter; Frame = frame; Op = op;
    }

    public OnnxExporter Exporter { get; }
    public ExportFrame Frame { get; }
    public Operation Op { get; }
    public OnnxGraphBuilder G => Exporter.Graph;
    public StepSymbols Symbols => Exporter.Symbols;

    /// <summary>Weight-name prefix of the region being lowered (e.g. <c>layers.3</c>).</summary>
    public string Path => Frame.Path;

    public string Input(string slot) => Optional(slot) ?? throw Unsupported($"operand '{slot}' is missing");

    public string? Optional(string slot)
    {
        var v = Op.Operand(slot);
        return v is null ? null : NameOf(v);
    }

    public IReadOnlyList<string> Variadic => Op.VariadicOperands.Select(NameOf).ToArray();

    public string NameOf(Value v) => Frame.Find(v) ?? throw Unsupported("reads a value that was not lowered (a use before its definition?)");

    public long Int(string name) => Attr(name) is IntAttr i ? Static(i.Value, "attribute " + name) : throw Unsupported($"attribute '{name}' is not an integer");

    public double Float(string name) => Attr(name) switch
    {
        FloatAttr f => f.Value,
        IntAttr i => Static(i.Value, "attribute " + name),
        _ => throw Unsupported($"attribute '{name}' is not a number"),
    };

    public bool Bool(string name) => Attr(name) is BoolAttr b ? b.Value : throw Unsupported($"attribute '{name}' is not a bool");

    public string Str(string name) => Attr(name) is StrAttr t ? t.Value : throw Unsupported($"attribute '{name}' is not a string");

    /// <summary>Refuses any of the named attributes set to something other than its declared default
    /// (or set at all, when it has no default): the lowering implements the default only.</summary>
    public void RequireDefaults(params string[] names)
    {
        foreach (var name in names)
        {
            var given = Op.Attributes.Get(name);
            if (given is not null && !given.Equals(Op.Def.FindAttr(name)?.Default))
                throw Unsupported($"{name} = {given} is not lowered to ONNX (only the default)");
        }
    }

    /// <summary>Refuses an operand slot that is present.</summary>
    public void RequireAbsent(params string[] slots)
    {
        foreach (var slot in slots)
            if (Op.Operand(slot) is not null) throw Unsupported($"operand '{slot}' is not lowered to ONNX");
    }

    /// <summary>A dimension that must not depend on the step (head sizes, widths).</summary>
    public long Static(DimExpr e, string what) =>
        Symbols.Static(e) ?? throw Unsupported($"{what} = {e} depends on the step; the lowering needs it constant");

    /// <summary>The static size of axis <paramref name="axis"/> of an operand's declared type.</summary>
    public long StaticDim(string slot, int axis)
    {
        var shape = (Op.Operand(slot) ?? throw Unsupported($"operand '{slot}' is missing")).Type.Shape;
        return Static(shape[axis < 0 ? shape.Rank + axis : axis], $"axis {axis} of {slot}");
    }

    public NotSupportedException Unsupported(string message) =>
        new($"{Op.Name}{(Path.Length == 0 ? "" : " at " + Path)}: {message}");

    private Attr Attr(string name) =>
        Op.Attributes.Get(name) ?? Op.Def.FindAttr(name)?.Default ?? throw Unsupported($"has no attribute '{name}'");
}
