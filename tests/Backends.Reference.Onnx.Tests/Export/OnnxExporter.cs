using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export;

/// <summary>
/// Lowers a flat module (after <c>inline,canonicalize</c>) op by op to an ONNX graph of standard
/// operators (<see cref="Opset"/>), written independently of the reference interpreter from the ops'
/// documented semantics, so ONNX Runtime can serve as an outside oracle. Repeats are unrolled, each
/// iteration with its own weights (<c>layers.{i}.name</c>, as the reference names them); weights become
/// initializers; each kv.cache op of each iteration becomes a past input and a present output, so one
/// model runs the prefill and every decode step. Forms without a lowering are refused (NotSupportedException
/// naming the op), never approximated.
/// </summary>
internal sealed class OnnxExporter
{
    /// <summary>Opset 17 (ONNX 1.12): Shape takes start/end, ReduceMean still takes axes as an attribute,
    /// and ONNX Runtime 1.32 implements every operator used here for f32.</summary>
    public const long Opset = 17;
    public const long IrVersion = 8;

    private readonly List<CacheSlot> _caches = new();
    private readonly List<OnnxValueInfo> _inputs = new();
    private readonly List<string> _outputs = new();
    private int _lowered;

    private OnnxExporter(Module module, WeightSet weights)
    {
        Module = module;
        Weights = weights;
        Symbols = new StepSymbols(Graph, IrBuilder.Resolver(module));
    }

    public Module Module { get; }
    public WeightSet Weights { get; }
    public OnnxGraphBuilder Graph { get; } = new();
    public StepSymbols Symbols { get; }

    public static ExportedModel Export(Module module, WeightSet weights)
    {
        if (module is null) throw new ArgumentNullException(nameof(module));
        if (weights is null) throw new ArgumentNullException(nameof(weights));
        if (module.WalkAll().FirstOrDefault(op => op.Def == CoreOps.Call) is { } call)
            throw new NotSupportedException($"{call.Name}: the ONNX exporter lowers flat modules; run inline,canonicalize first");
        var exporter = new OnnxExporter(module, weights);
        exporter.DeclareInputs();
        exporter.LowerRegion(module.Body, Array.Empty<string>(), null, "");
        var model = new OnnxModel(IrVersion, Opset, "GraphDsl ONNX oracle", exporter.Graph.Build(module.Name));
        return new ExportedModel(OnnxEncoder.Encode(model), exporter._inputs, exporter._outputs, exporter._caches, exporter.Graph.Nodes);
    }

    /// <summary>Lowers a region's ops with its arguments bound; returns the ONNX names of the terminator's operands.</summary>
    public IReadOnlyList<string> LowerRegion(Region region, IReadOnlyList<string> args, ExportFrame? parent, string path)
    {
        var frame = new ExportFrame(parent, path);
        for (int i = 0; i < args.Count; i++) frame.Set(region.Arguments[i], args[i]);
        foreach (var op in region.Ops)
        {
            var c = new LoweringContext(this, frame, op);
            if (op.Def.IsTerminator) return op.Operands.Select(c.NameOf).ToArray();
            var lowering = OpLowerings.Find(op.Def) ?? throw c.Unsupported("the ONNX exporter has no lowering for this op");
            Graph.Origin = op.Name + (path.Length == 0 ? "" : " at " + path) + " (IR op " + (_lowered++).ToString(CultureInfo.InvariantCulture) + ")";
            var results = lowering(c);
            if (results.Count != op.Results.Count) throw c.Unsupported($"lowered to {results.Count} results but declares {op.Results.Count}");
            for (int i = 0; i < results.Count; i++) frame.Set(op.Results[i], results[i]);
        }
        return Array.Empty<string>();
    }

    /// <summary>A module output: a graph output of the IR value's type.</summary>
    public void DeclareOutput(string name, Value value)
    {
        Graph.Output(new OnnxValueInfo(name, OnnxTypes.Element(value.Type.DType, "output " + name), OnnxTypes.Dims(value.Type.Shape, Symbols)));
        _outputs.Add(name);
    }

    /// <summary>A new cache slot for a kv.cache op at <paramref name="path"/> whose entries (after batch and
    /// seq) have the given static sizes; returns its past input and present output names.</summary>
    public CacheSlot AddCache(string path, long[] entryDims)
    {
        var slot = new CacheSlot(CachePast(_caches.Count), "present." + _caches.Count.ToString(CultureInfo.InvariantCulture), path, entryDims);
        var entry = entryDims.Select(d => new OnnxDim(d, null));
        Graph.Input(new OnnxValueInfo(slot.Past, OnnxElementType.Float, new[] { new OnnxDim(null, "batch"), new OnnxDim(null, StepSymbols.Past) }.Concat(entry).ToArray()));
        Graph.Output(new OnnxValueInfo(slot.Present, OnnxElementType.Float, new[] { new OnnxDim(null, "batch"), new OnnxDim(null, "ctx") }.Concat(entry).ToArray()));
        _caches.Add(slot);
        return slot;
    }

    private static string CachePast(int index) => "past." + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Graph inputs first, so the step symbols can be read from them wherever an op needs one;
    /// the past length comes from the first cache, whose input exists before any op reads it.</summary>
    private void DeclareInputs()
    {
        foreach (var op in Module.Body.Ops.Where(o => o.Def == CoreOps.Input))
        {
            var name = op.Attributes.GetString("name") ?? throw new NotSupportedException("core.input without a name");
            var type = op.Result.Type;
            var info = new OnnxValueInfo(name, OnnxTypes.Element(type.DType, "input " + name), OnnxTypes.Dims(type.Shape, Symbols));
            Graph.Input(info);
            _inputs.Add(info);
            Symbols.BindFrom(name, type.Shape);
        }
        if (Module.WalkAll().Any(op => op.Def == AttentionOps.KvCache))
            Symbols.BindFrom(CachePast(0), new Shape(DimExpr.Sym("batch"), DimExpr.Sym(StepSymbols.Past)));
    }
}
