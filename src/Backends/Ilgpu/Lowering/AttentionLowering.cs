using System;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>
/// kv.cache appends the step's entries to its device cache and yields a handle, not a copy: attention
/// reads keys and values in place (strided by the cache's capacity), from the first key the cache's
/// window leaves visible to the last. Keys computed in the step are aligned so the last key sits at
/// the last query, as in the reference.
/// </summary>
internal static class AttentionLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (AttentionOps.KvCache, KvCache), (AttentionOps.Attention, Attention),
        (AttentionOps.MlaAttention, MlaLowering.Lower),
    };

    private static void KvCache(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x"));
        if (x.Shape.Length < 2) throw c.Error(op, $"x {x.ShapeText} needs [batch, seq, ...]");
        int window = (int)c.Int(op, "window");
        if (window < 0) throw c.Error(op, $"window = {window} must not be negative");
        int b = x.Shape[0], s = x.Shape[1];
        int inner = (int)(x.Count / Math.Max(1, (long)b * s));
        var storage = c.DType(op, "storage");
        int round = FormatRound.None, intBits = 0, group = 0;
        if (storage is not null && storage.Kind == Ir.Types.ElementKind.Int && storage.Bits is 4 or 8 && storage != Ir.Types.DType.I32 && storage != Ir.Types.DType.I64)
        {
            intBits = storage.Bits;
            group = storage.BlockSize > 0 ? storage.BlockSize : Math.Max(1, x.LastDim);
        }
        else if (storage is not null) round = NnLowering.RoundCode(c, op, storage);
        var handle = new CacheHandle(op, c.Path, inner, window, round);
        var shape = c.Dims(op.Result.Type.Shape, cacheShape: true);
        int ctx = shape[1], past = ctx - s;
        shape[1] = ctx - FirstKey(window, past);
        c.Set(op.Result, new TValue(shape) { Cache = handle });
        c.Emit(op.Name, new[] { x }, Array.Empty<TValue>(), r =>
        {
            var cache = r.Caches.Get(handle, b, r.Past + s);
            cache.EnsureCapacity(r.Past + s, r.Past, r.Kernels);
            r.Kernels.Append(r.View(x), cache.View, new AppendArgs { B = b, S = s, Inner = inner, Capacity = cache.Capacity, Past = r.Past, Round = round,
                IntBits = intBits, Cols = x.LastDim, Group = group });
        });
    }

    /// <summary>The first entry a step at <paramref name="past"/> may see through a cache with this window.</summary>
    public static int FirstKey(int window, int past) => window > 0 ? Math.Max(0, past - window + 1) : 0;

    private static void Attention(TraceContext c, Operation op)
    {
        var q = c.Data(c.In(op, "q"));
        var k = c.In(op, "k");
        var v = c.In(op, "v");
        if (k.Cache is null || v.Cache is null) { k = c.Data(k); v = c.Data(v); }
        var sinks = c.Opt(op, "sinks") is { } sk ? c.Data(sk) : null;
        var rel = c.Opt(op, "rel_bias") is { } rb ? c.Data(rb) : null;
        if (q.Shape.Length != 4 || k.Shape.Length != 4 || v.Shape.Length != 4) throw c.Error(op, "q, k and v must be [batch, len, heads, head_dim]");
        int b = q.Shape[0], s = q.Shape[1], hq = q.Shape[2], dk = q.Shape[3];
        int t = k.Shape[1], hkv = k.Shape[2], dv = v.Shape[3];
        if (k.Shape[3] != dk || v.Shape[2] != hkv || hkv == 0 || hq % hkv != 0)
            throw c.Error(op, $"q {q.ShapeText}, k {k.ShapeText} and v {v.ShapeText} do not fit together");
        if (dv > AttentionKernels.MaxDv) throw c.Error(op, $"value heads of {dv} exceed the kernel's {AttentionKernels.MaxDv}");
        double scale = c.Float(op, "scale");
        if (scale == 0) scale = 1 / Math.Sqrt(dk);
        var p = new AttentionArgs
        {
            B = b, S = s, Hq = hq, Hkv = hkv, Dk = dk, Dv = dv, KRow = hkv * dk, VRow = hkv * dv,
            Causal = c.Bool(op, "causal") ? 1 : 0, Window = (int)c.Int(op, "window"), Scale = (float)scale, Softcap = (float)c.Float(op, "softcap"),
            HasSinks = sinks is null ? 0 : 1, RelBuckets = rel is null ? 0 : rel.Shape[0], RelBidirectional = c.Bool(op, "causal") ? 0 : 1,
        };
        var y = c.Result(op);
        var (kc, vc) = (k.Cache, v.Cache);
        c.Emit(op.Name, new[] { q, k, v, sinks, rel }, new[] { y }, r =>
        {
            var args = p;
            args.Past = r.Past;
            ILGPU.ArrayView<float> kView, vView;
            if (kc is not null && vc is not null)
            {
                var kCache = r.Caches.Get(kc, b, r.Past + s);
                var vCache = r.Caches.Get(vc, b, r.Past + s);
                args.T = r.Past + s;
                args.FirstKey = Math.Max(FirstKey(kc.Window, r.Past), FirstKey(vc.Window, r.Past));
                args.KBatch = (long)kCache.Capacity * kc.Inner;
                args.VBatch = (long)vCache.Capacity * vc.Inner;
                (kView, vView) = (kCache.View, vCache.View);
            }
            else
            {
                args.T = t;
                args.KeyPos = r.Past + s - t;
                args.KBatch = (long)t * hkv * dk;
                args.VBatch = (long)t * hkv * dv;
                (kView, vView) = (r.View(k), r.View(v));
            }
            r.Kernels.Attention(r.View(q), kView, vView, r.View(y), args, sinks is null ? null : r.View(sinks), rel is null ? null : r.View(rel));
        });
    }
}
