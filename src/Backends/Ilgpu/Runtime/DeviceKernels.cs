using System;
using GraphDsl.Backends.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>
/// The kernel library on one accelerator: each kernel is compiled on first use and launched with the
/// group and grid sizes <see cref="LaunchShape"/> gives this device. Optional operands a launch does
/// not use get a small placeholder view.
/// </summary>
internal sealed class DeviceKernels : IDisposable
{
    private readonly Accelerator _acc;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _dummy;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _dummyInts;

    public DeviceKernels(Accelerator accelerator, LaunchShape shape)
    {
        _acc = accelerator;
        Shape = shape;
        _dummy = accelerator.Allocate1D<float>(16);
        _dummyInts = accelerator.Allocate1D<int>(16);
        _dummy.MemSetToZero();
        _dummyInts.MemSetToZero();
        _gemm = Load<ArrayView<float>, WeightView, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, GemmArgs>(GemmKernels.Gemm);
        _gemv = Load<ArrayView<float>, WeightView, WeightView, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemvArgs>(GemvKernels.Gemv);
        _norm = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs>(NormKernels.Norm);
        _rope = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RopeArgs>(RopeKernels.Rope);
        _splitRope = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SplitRopeArgs>(SplitRopeKernels.SplitRope);
        _attention = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionArgs>(AttentionKernels.Attention);
        _append = Load<ArrayView<float>, ArrayView<float>, AppendArgs>(KvCacheKernels.Append);
        _route = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RouteArgs>(MoeKernels.Route);
        _sort = Load<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int>(MoeKernels.SortByExpert);
        _combine = Load<ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(MoeKernels.Combine);
        _binary = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, BroadcastArgs>(ElementwiseKernels.Binary);
        _unary = Load<ArrayView<float>, ArrayView<float>, long, int, float, int>(ElementwiseKernels.Unary);
        _gate = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int, int, int, int, float, float>(ElementwiseKernels.Gate);
        _program = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ProgramArgs>(ElementwiseKernels.Program);
        _copy = Load<ArrayView<float>, ArrayView<float>, long, int, long, long, long, long>(CopyKernels.Copy2D);
        _embedding = Load<ArrayView<float>, WeightView, ArrayView<float>, int>(CopyKernels.Embedding);
        _stream = Load<ArrayView<ulong>, ArrayView<ulong>, long>(CopyKernels.Stream);
        _transpose = Load<ArrayView<float>, ArrayView<float>, int, int, int>(CopyKernels.Transpose);
        _quantizeRows = Load<ArrayView<float>, ArrayView<float>, long, int, int, float>(ElementwiseKernels.QuantizeRows);
        _conv = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>(RecurrentKernels.CausalConv1d);
        _gatedDelta = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>(RecurrentKernels.GatedDelta);
        _ssd = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>(RecurrentKernels.Ssd);
        _groupNorm = Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>(RecurrentKernels.GroupRmsNorm);
    }

    public LaunchShape Shape { get; }

    /// <summary>Compiles every kernel now (on the CPU accelerator a few seconds), so timed runs measure launches, not the JIT.</summary>
    public void CompileAll()
    {
        _ = (_gemm.Value, _gemv.Value, _norm.Value, _rope.Value, _splitRope.Value, _attention.Value, _append.Value, _route.Value, _sort.Value);
        _ = (_combine.Value, _binary.Value, _unary.Value, _gate.Value, _program.Value, _copy.Value, _embedding.Value, _stream.Value, _transpose.Value);
        _ = (_quantizeRows.Value, _conv.Value, _gatedDelta.Value, _ssd.Value, _groupNorm.Value);
    }
    public ArrayView<float> None => _dummy.View;
    public ArrayView<int> NoInts => _dummyInts.View;

    // Lazy compilation: a kernel compiles the first time it is launched.
    private Lazy<Action<KernelConfig, T1, T2, T3>> Load<T1, T2, T3>(Action<T1, T2, T3> k) where T1 : struct where T2 : struct where T3 : struct =>
        new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4>> Load<T1, T2, T3, T4>(Action<T1, T2, T3, T4> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct => new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5>> Load<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct => new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6>> Load<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct => new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7>> Load<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8>> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9>> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        new(() => _acc.LoadStreamKernel(k));
    private Lazy<Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        new(() => _acc.LoadStreamKernel(k));

    private readonly Lazy<Action<KernelConfig, ArrayView<float>, WeightView, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, GemmArgs>> _gemm;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, WeightView, WeightView, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemvArgs>> _gemv;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs>> _norm;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RopeArgs>> _rope;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SplitRopeArgs>> _splitRope;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionArgs>> _attention;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, AppendArgs>> _append;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RouteArgs>> _route;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int>> _sort;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>> _combine;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, BroadcastArgs>> _binary;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, long, int, float, int>> _unary;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int, int, int, int, float, float>> _gate;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ProgramArgs>> _program;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, long, int, long, long, long, long>> _copy;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, WeightView, ArrayView<float>, int>> _embedding;
    private readonly Lazy<Action<KernelConfig, ArrayView<ulong>, ArrayView<ulong>, long>> _stream;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int>> _transpose;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, long, int, int, float>> _quantizeRows;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>> _conv;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>> _gatedDelta;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>> _ssd;
    private readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentArgs>> _groupNorm;

    /// <summary>The short causal convolution, one thread per (sequence, channel); <paramref name="state"/> keeps the last inputs.</summary>
    public void CausalConv1d(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> state, ArrayView<float> y, RecurrentArgs p) =>
        _conv.Value(Strided((long)p.B * p.C), x, w, bias ?? None, state, y, p);

    /// <summary>The gated delta rule, one thread per (sequence, value head, value column).</summary>
    public void GatedDelta(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> a, ArrayView<float> beta, ArrayView<float> aLog,
        ArrayView<float> dtBias, ArrayView<float> state, ArrayView<float> o, RecurrentArgs p) =>
        _gatedDelta.Value(Strided((long)p.B * p.Heads * p.Cols), q, k, v, a, beta, aLog, dtBias, state, o, p);

    /// <summary>Mamba-2's SSD scan, one thread per (sequence, head, head-dim row).</summary>
    public void Ssd(ArrayView<float> x, ArrayView<float> dt, ArrayView<float> b, ArrayView<float> c, ArrayView<float> aLog, ArrayView<float> dtBias,
        ArrayView<float>? d, ArrayView<float> state, ArrayView<float> y, RecurrentArgs p) =>
        _ssd.Value(Strided((long)p.B * p.Heads * p.Rows), x, dt, b, c, aLog, dtBias, d ?? None, state, y, p);

    /// <summary>RMSNorm per group of the last axis, one thread per (row, group); p.B is the rows.</summary>
    public void GroupRmsNorm(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, RecurrentArgs p) =>
        _groupNorm.Value(Strided((long)p.B * p.Groups), x, w, y, p);

    private KernelConfig Strided(long work, int threads = 0)
    {
        threads = threads > 0 ? threads : Shape.Threads;
        return new KernelConfig(Shape.GridFor(work, threads), threads);
    }

    /// <summary>M rows of x times the weight (n-major): tiles of 4 per thread; z = experts when grouped.</summary>
    public void Gemm(ArrayView<float> a, WeightView w, ArrayView<float> c, GemmArgs p, ArrayView<float>? bias = null, ArrayView<float>? residual = null,
        ArrayView<int>? rowMap = null, ArrayView<int>? offsets = null, int experts = 1)
    {
        int side = Shape.GemmSide, tile = 4 * side;
        var grid = new Index3D((p.N + tile - 1) / tile, Math.Max(1, (p.M + tile - 1) / tile), experts);
        _gemm.Value(new KernelConfig(grid, new Index3D(side, side, 1)), a, w, c, bias ?? None, residual ?? None, rowMap ?? NoInts, offsets ?? NoInts, p);
    }

    public void Gemv(ArrayView<float> x, WeightView w, ArrayView<float> y, GemvArgs p, WeightView? w2 = null, ArrayView<float>? bias = null,
        ArrayView<float>? bias2 = null, ArrayView<float>? residual = null, ArrayView<float>? experts = null, int pairs = 1)
    {
        int threads = Shape.GemvThreads, teams = threads / Math.Min(threads, 32);
        int blocks = (int)Math.Min((p.N + teams - 1) / teams, Shape.MaxGroups * 8L);
        _gemv.Value(new KernelConfig(new Index2D(Math.Max(1, blocks), pairs), new Index2D(threads, 1)), x, w, w2 ?? w, y, bias ?? None, bias2 ?? None,
            residual ?? None, experts ?? None, p);
    }

    public void Norm(ArrayView<float> a, ArrayView<float> weight, ArrayView<float> y, NormArgs p, ArrayView<float>? b = null,
        ArrayView<float>? bias = null, ArrayView<float>? sum = null) =>
        _norm.Value(new KernelConfig(Shape.GridFor(p.Rows, 1), Shape.Threads), a, b ?? None, weight, bias ?? None, sum ?? None, y, p);

    public void Rope(ArrayView<float> x, ArrayView<float> y, ArrayView<float> cos, ArrayView<float> sin, RopeArgs p) =>
        _rope.Value(Strided((long)p.B * p.S * p.H), x, y, cos, sin, p);

    public void SplitRope(ArrayView<float> src, ArrayView<float> out0, ArrayView<float> out1, ArrayView<float> out2,
        ArrayView<float> cos, ArrayView<float> sin, SplitRopeArgs p) =>
        _splitRope.Value(Strided(p.Rows), src, out0, out1, out2, cos, sin, p);

    public void Attention(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> o, AttentionArgs p,
        ArrayView<float>? sinks = null, ArrayView<float>? relBias = null)
    {
        int threads = Shape.AttentionThreads;
        int items = p.B * p.S * p.Hq;
        _attention.Value(new KernelConfig(Math.Max(1, Math.Min(items, Shape.MaxGroups * 8)), threads), q, k, v, o, sinks ?? None, relBias ?? None, p);
    }

    public void Append(ArrayView<float> x, ArrayView<float> cache, AppendArgs p) =>
        _append.Value(Strided((long)p.B * p.S * p.Inner), x, cache, p);

    public void Route(ArrayView<float> logits, ArrayView<float> weights, ArrayView<float> indices, RouteArgs p, ArrayView<float>? bias = null) =>
        _route.Value(Strided(p.Rows), logits, bias ?? None, weights, indices, p);

    public void SortByExpert(ArrayView<float> indices, ArrayView<int> offsets, ArrayView<int> cursor, ArrayView<int> rowMap, ArrayView<int> slotOf, int pairs, int experts) =>
        _sort.Value(new KernelConfig(1, 1), indices, offsets, cursor, rowMap, slotOf, pairs, experts);

    public void Combine(ArrayView<float> y, ArrayView<float> weights, ArrayView<int>? slotOf, ArrayView<float>? residual, ArrayView<float> output,
        int tokens, int topK, int dim) =>
        _combine.Value(Strided((long)tokens * dim), y, weights, slotOf ?? NoInts, residual ?? None, output, tokens, topK, dim,
            slotOf is null ? 0 : 1, residual is null ? 0 : 1);

    public void Binary(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, BroadcastArgs p) => _binary.Value(Strided(p.Count), a, b, y, p);

    public void Unary(ArrayView<float> x, ArrayView<float> y, long count, int act, float param, int round = 0) =>
        _unary.Value(Strided(count), x, y, count, act, param, round);

    public void Gate(ArrayView<float> gate, ArrayView<float> up, ArrayView<float> y, long rows, int cols, int gateStride, int upStride,
        int act, bool clamped, float alpha, float limit) =>
        _gate.Value(Strided(rows * cols), gate, up, y, rows, cols, gateStride, upStride, act, clamped ? 1 : 0, alpha, limit);

    public void Program(ArrayView<float>[] inputs, ArrayView<float> y, ArrayView<int> code, ArrayView<float> parameters, ProgramArgs p) =>
        _program.Value(Strided(p.Count), inputs.Length > 0 ? inputs[0] : None, inputs.Length > 1 ? inputs[1] : None,
            inputs.Length > 2 ? inputs[2] : None, inputs.Length > 3 ? inputs[3] : None, y, code, parameters, p);

    public void Copy2D(ArrayView<float> src, ArrayView<float> dst, long rows, int width, long srcStride, long dstStride, long srcOffset = 0, long dstOffset = 0)
    {
        if (rows * width == 0) return;
        _copy.Value(Strided(rows * width), src, dst, rows, width, srcStride, dstStride, srcOffset, dstOffset);
    }

    public void Embedding(ArrayView<float> ids, WeightView table, ArrayView<float> output, int tokens) =>
        _embedding.Value(Strided((long)tokens * table.Cols), ids, table, output, tokens);

    public void Stream(ArrayView<ulong> src, ArrayView<ulong> dst, long count) => _stream.Value(Strided(count), src, dst, count);

    /// <summary>dst[c, r] = src[r, c] for a batch of [rows, cols] matrices.</summary>
    public void Transpose(ArrayView<float> src, ArrayView<float> dst, int batches, int rows, int cols) =>
        _transpose.Value(Strided((long)batches * rows * cols), src, dst, batches, rows, cols);

    /// <summary>Rows of x as a GEMM with an act_dtype reads them.</summary>
    public void QuantizeRows(ArrayView<float> x, ArrayView<float> y, long rows, int cols, int round, float maxFinite) =>
        _quantizeRows.Value(Strided(rows), x, y, rows, cols, round, maxFinite);

    public void Dispose()
    {
        _dummy.Dispose();
        _dummyInts.Dispose();
    }
}
