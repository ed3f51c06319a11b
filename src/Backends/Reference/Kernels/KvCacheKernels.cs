using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>
/// kv.cache: appends this step's entries x [b, s, ...] to what this op holds for the current repeat
/// iteration and returns entries [b, n, ...] with their absolute positions (which attention reads).
/// Without a window it returns and keeps everything. With window W it keeps the last W entries for
/// later steps, and returns the kept entries a query of this step can still see (positions above
/// the step's first position - W) plus all new ones: a decode step gets exactly the last W entries,
/// and a prefill longer than W still gives each query its whole window.
/// </summary>
internal static class KvCacheKernels
{
    public static readonly (OpDef, OpKernel)[] All = { (AttentionOps.KvCache, KvCache) };

    private static IReadOnlyList<Tensor> KvCache(OpCall c)
    {
        var x = c.Input("x");
        if (x.Rank < 2) throw c.Error($"x {x.ShapeText} needs [batch, seq, ...]");
        long window = c.Int("window");
        if (window < 0) throw c.Error($"window = {window} must not be negative");
        if (c.DType("storage") is { } storage) x = FormatRounding.Round(x, storage);
        int b = x.Dim(0), s = x.Dim(1);
        int[] entryShape = x.Shape.Skip(2).ToArray();
        int inner = (int)Tensor.ElementCount(entryShape);

        var key = (c.Op, c.Path);
        if (c.Step.StagedCache.ContainsKey(key)) throw c.Error("runs twice in one step for the same repeat iteration");
        var previous = c.Step.Cache.Find(c.Op, c.Path);
        int old = previous?.Length ?? 0;
        if (previous is not null)
        {
            if (previous.Values.Dim(0) != b) throw c.Error($"the cache holds {previous.Values.Dim(0)} sequences but this step has {b}");
            if (!previous.Values.Shape.Skip(2).SequenceEqual(entryShape))
                throw c.Error($"the cache holds entries {previous.Values.ShapeText} but this step appends {x.ShapeText}");
        }

        int total = old + s;
        var positions = new long[total];
        for (int j = 0; j < old; j++) positions[j] = previous!.Positions[j];
        for (int j = 0; j < s; j++) positions[old + j] = c.PastTokens + j;
        var all = new float[b * total * inner];
        for (int bi = 0; bi < b; bi++)
        {
            if (old > 0) Array.Copy(previous!.Values.Data, bi * old * inner, all, bi * total * inner, old * inner);
            Array.Copy(x.Data, bi * s * inner, all, (bi * total + old) * inner, s * inner);
        }

        int returnedFrom = 0, keptFrom = 0;
        if (window > 0)
        {
            while (returnedFrom < old && positions[returnedFrom] <= c.PastTokens - window) returnedFrom++;
            keptFrom = (int)Math.Max(0, total - window);
        }
        var returned = Slice(all, b, total, inner, entryShape, returnedFrom);
        var returnedPositions = positions.Skip(returnedFrom).ToArray();
        c.Frame.SetPositions(c.Op.Result, returnedPositions);
        c.Step.StagedCache[key] = new CachedEntries(c.Op, c.Path, Slice(all, b, total, inner, entryShape, keptFrom), positions.Skip(keptFrom).ToArray());
        return OpKernels.One(returned);
    }

    /// <summary>Entries [from, total) along axis 1 of data [b, total, inner].</summary>
    private static Tensor Slice(float[] data, int b, int total, int inner, int[] entryShape, int from)
    {
        int n = total - from;
        var r = new float[b * n * inner];
        for (int bi = 0; bi < b; bi++) Array.Copy(data, (bi * total + from) * inner, r, bi * n * inner, n * inner);
        return new Tensor(new[] { b, n }.Concat(entryShape).ToArray(), r);
    }
}
