using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Cli.Rendering;

/// <summary>The formats a spec stores its weights and KV cache in, so an output never says "keep" where it can say
/// what is kept: a header reads <c>weights bf16 (spec)</c> when no format was asked for, <c>weights fp8</c> when one was.</summary>
public sealed record SpecFormats(string Weights, string Kv)
{
    /// <summary>The element type of most weight elements (a spec may keep its norms wider) and of most KV-cache ops;
    /// "none" for a model without a KV cache.</summary>
    public static SpecFormats Of(Module module)
    {
        var weights = new Dictionary<string, long>();
        var kv = new Dictionary<string, long>();
        var param = IrBuilder.Resolver(module);
        foreach (var w in ModelWalker.Walk(module))
        {
            if (w.Op.Def.Structure == OpStructure.Weight)
                Add(weights, w.Op.Result.Type.DType.Name, (long)(w.Multiplicity * (Poly.From(w.Op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 1)));
            else if (w.Op.Def.IsStateful) Add(kv, AttentionOps.StorageType(w.Op).Name, w.Multiplicity);
        }
        return new SpecFormats(Most(weights), Most(kv));
    }

    /// <summary>What a header says for a format option: the asked-for format, or the spec's with "(spec)" for "keep".</summary>
    public static string InEffect(string asked, string spec) => asked == NumericFormat.Keep ? spec + " (spec)" : asked;

    /// <summary>A deployment as its header line says it: "tp=8 ep=1 dp=1 pp=1 weights=bf16 (spec) kv=fp8".</summary>
    public string Describe(GraphDsl.Backends.CostModel.Inputs.Deployment d) =>
        $"{d.Layout} weights={InEffect(d.Weights, Weights)} kv={InEffect(d.Kv, Kv)}" + (d.Activations != NumericFormat.Keep ? $" activations={d.Activations}" : "");

    /// <summary>The format itself, for data outputs (CSV): the asked-for one, or the spec's for "keep".</summary>
    public static string Actual(string asked, string spec) => asked == NumericFormat.Keep ? spec : asked;

    private static void Add(Dictionary<string, long> counts, string name, long n) => counts[name] = (counts.TryGetValue(name, out var c) ? c : 0) + n;

    private static string Most(Dictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, System.StringComparer.Ordinal).First().Key;
}
