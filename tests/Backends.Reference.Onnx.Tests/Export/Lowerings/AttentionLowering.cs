using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>
/// The KV cache as a past input concatenated with the step's entries (the present output), and
/// scaled dot-product attention with GQA and the causal mask, from the ops' definitions.
/// </summary>
internal static class AttentionLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (AttentionOps.KvCache, KvCache),
        (AttentionOps.Attention, Attention),
    };

    /// <summary>present [b, past + s, ...] = concat(past, x) along the sequence axis; the result is all of it.</summary>
    private static IReadOnlyList<string> KvCache(LoweringContext c)
    {
        c.RequireDefaults("window", "storage");
        var rank = c.Op.Operand("x")!.Type.Shape.Rank;
        var entry = Enumerable.Range(2, rank - 2).Select(axis => c.StaticDim("x", axis)).ToArray();
        var slot = c.Exporter.AddCache(c.Path, entry);
        c.G.Named("Concat", new[] { slot.Past, c.Input("x") }, new[] { slot.Present }, OnnxAttribute.OfInt("axis", 1L));
        return OpLowerings.One(slot.Present);
    }

    /// <summary>
    /// q [b, s, hq, dk], k [b, t, hkv, dk], v [b, t, hkv, dv]. Query head h = kv * g + j (g = hq / hkv) reads
    /// kv head kv, so q is viewed as [b, s, hkv, g, dk] and every MatMul broadcasts over the group axis.
    /// Keys are aligned so the last key sits at the last query (key j at position past + s - t + j, query i
    /// at past + i), so the causal mask keeps key j for query i exactly when j - i &lt;= t - s.
    /// </summary>
    private static IReadOnlyList<string> Attention(LoweringContext c)
    {
        c.RequireDefaults("window", "softcap");
        c.RequireAbsent("sinks", "rel_bias");
        var g = c.G;
        long hq = c.StaticDim("q", 2), dk = c.StaticDim("q", 3), hkv = c.StaticDim("k", 2), dv = c.StaticDim("v", 3);
        if (hkv == 0 || hq % hkv != 0) throw c.Unsupported($"{hq} query heads do not group over {hkv} kv heads");
        long group = hq / hkv;
        double scale = c.Float("scale");
        if (scale == 0) scale = 1 / Math.Sqrt(dk);
        string q = c.Input("q"), k = c.Input("k"), v = c.Input("v");

        // Reshape's 0 keeps the input's size on that axis (batch, seq).
        var queries = g.Op("Transpose", new[] { g.Op("Reshape", q, g.Int64s(0, 0, hkv, group, dk)) }, OnnxAttribute.OfInts("perm", 0L, 2, 3, 1, 4));
        var keys = g.Op("Unsqueeze", g.Op("Transpose", new[] { k }, OnnxAttribute.OfInts("perm", 0L, 2, 3, 1)), g.Int64s(2));
        var values = g.Op("Unsqueeze", g.Op("Transpose", new[] { v }, OnnxAttribute.OfInts("perm", 0L, 2, 1, 3)), g.Int64s(2));
        // scores [b, hkv, g, s, t]
        var scores = g.Op("Mul", g.Op("MatMul", queries, keys), g.Scalar(scale));
        if (c.Bool("causal")) scores = g.Op("Where", CausalMask(g, q, k), g.Scalar(double.NegativeInfinity), scores);
        var weights = g.Op("Softmax", new[] { scores }, OnnxAttribute.OfInt("axis", -1L));
        // [b, hkv, g, s, dv] -> [b, s, hkv, g, dv] -> [b, s, hq, dv]
        var output = g.Op("Transpose", new[] { g.Op("MatMul", weights, values) }, OnnxAttribute.OfInts("perm", 0L, 3, 1, 2, 4));
        return OpLowerings.One(g.Op("Reshape", output, g.Int64s(0, 0, hq, dv)));
    }

    /// <summary>True where key j is in query i's future: j - i &gt; t - s, as a [s, t] mask.</summary>
    private static string CausalMask(OnnxGraphBuilder g, string q, string k)
    {
        string Length(string x) => g.Op("Shape", new[] { x }, OnnxAttribute.OfInt("start", 1L), OnnxAttribute.OfInt("end", 2L));
        string Indices(string length) => g.Op("Range", g.Int64Scalar(0), g.Op("Squeeze", length, g.Int64s(0)), g.Int64Scalar(1));
        string s = Length(q), t = Length(k);
        var offset = g.Op("Sub", g.Op("Unsqueeze", Indices(t), g.Int64s(0)), g.Op("Unsqueeze", Indices(s), g.Int64s(1)));
        return g.Op("Greater", offset, g.Op("Sub", t, s));
    }
}
