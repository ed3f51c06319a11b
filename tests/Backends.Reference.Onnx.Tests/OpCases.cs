using System.Linq;
using GraphDsl.Backends.Weights.Initialization;
using static GraphDsl.Backends.Reference.Onnx.Tests.OpCase;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>
/// One case per op kind the exporter lowers (and per lowered variant of an attribute), at awkward sizes
/// (widths 33, 34, 35, 17; 6 query heads over 2 kv heads; 9 experts choosing 3), so a failure names the op.
/// Ops that read positions or a cache run a prefill, a decode step and a multi-token step over the cache.
/// </summary>
internal static class OpCases
{
    // Observed maxima (largest |difference| / scale over every step and output) are noted beside each
    // tolerance; the allowance is about ten times the observation, far below what a wrong formula gives.

    private static readonly Tolerance Dot = new(2e-6,
        "MatMul sums 33 products in f32 (MLAS, FMA, its own blocking), the reference in double, rounding once; observed 1.8e-7");

    private static readonly Tolerance Transcendental = new(5e-7,
        "ONNX Runtime's vectorized sigmoid approximation against the reference's double; observed 3.8e-8");

    private static readonly Tolerance Norm = new(1e-6,
        "mean of squares, square root and division in f32 against double in the reference; observed 6.4e-8");

    private static readonly Tolerance Rotation = new(2e-6,
        "the angle position x frequency and its cos/sin in f32 (positions up to 10) against double; observed 2.0e-7");

    private static readonly Tolerance Attention = new(3e-6,
        "q.k sums in f32, exp approximated in the softmax, and the value sum in f32, against double; observed 2.5e-7");

    private static readonly Tolerance Routing = new(1e-6,
        "softmax or sigmoid scores, their sum and quotient in f32 against double; ids exact; observed 1.0e-7");

    private static readonly Tolerance Experts = new(2e-6,
        "three f32 GEMMs per expert and a dense f32 combine over all 9 experts against double per chosen expert; observed 1.8e-7");

    public static readonly OpCase[] All =
    {
        new("nn.embedding", """
            %0 = core.input {name = "ids"} : i32[batch, seq]
            %1 = core.weight {name = "table"} : f32[37, 33]
            %2 = nn.embedding %0, %1 : f32[batch, seq, 33]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Tolerance.Exact, (_, shape, random) => Ids(shape, random, 37)),

        new("nn.matmul", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.weight {name = "w"} : f32[33, 45]
            %2 = nn.matmul %0, %1 : f32[batch, seq, 45]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Dot),

        new("nn.matmul transpose_w", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.weight {name = "w"} : f32[45, 33]
            %2 = nn.matmul %0, %1 {transpose_w = true} : f32[batch, seq, 45]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Dot),

        new("nn.add", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.weight {name = "w"} : f32[33]
            %2 = nn.add %0, %1 : f32[batch, seq, 33]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Tolerance.Exact),

        new("nn.mul", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.weight {name = "w"} : f32[33]
            %2 = nn.mul %0, %1 : f32[batch, seq, 33]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Tolerance.Exact),

        new("nn.silu", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = nn.silu %0 : f32[batch, seq, 33]
            core.output %1 {name = "y"}
            """, new[] { 5 }, Transcendental),

        new("nn.rmsnorm", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.weight {name = "w"} : f32[33]
            %2 = nn.rmsnorm %0, %1 {eps = 1e-05} : f32[batch, seq, 33]
            core.output %2 {name = "y"}
            """, new[] { 5 }, Norm),

        new("nn.reshape", """
            %0 = core.input {name = "x"} : f32[batch, seq, 35]
            %1 = nn.reshape %0 {shape = [batch, seq, 5, 7]} : f32[batch, seq, 5, 7]
            core.output %1 {name = "y"}
            """, new[] { 5 }, Tolerance.Exact),

        // The cache only advances the positions, so the decode and chunk steps rotate at positions 7..10.
        new("nn.rope", """
            %0 = core.input {name = "x"} : f32[batch, seq, 3, 34]
            %1 = nn.rope %0 : f32[batch, seq, 3, 34]
            %2 = kv.cache %0 : f32[batch, ctx, 3, 34]
            core.output %1 {name = "y"}
            core.output %2 {name = "cache"}
            """, new[] { 7, 1, 3 }, Rotation),

        new("nn.rope dims theta", """
            %0 = core.input {name = "x"} : f32[batch, seq, 3, 34]
            %1 = nn.rope %0 {dims = 10, theta = 500000.0} : f32[batch, seq, 3, 34]
            %2 = kv.cache %0 : f32[batch, ctx, 3, 34]
            core.output %1 {name = "y"}
            core.output %2 {name = "cache"}
            """, new[] { 7, 1, 3 }, Rotation),

        new("kv.cache", """
            %0 = core.input {name = "x"} : f32[batch, seq, 2, 33]
            %1 = kv.cache %0 : f32[batch, ctx, 2, 33]
            core.output %1 {name = "y"}
            """, new[] { 5, 1, 2 }, Tolerance.Exact),

        new("nn.attention", """
            %0 = core.input {name = "q"} : f32[batch, seq, 6, 33]
            %1 = core.input {name = "k"} : f32[batch, seq, 2, 33]
            %2 = core.input {name = "v"} : f32[batch, seq, 2, 17]
            %3 = kv.cache %1 : f32[batch, ctx, 2, 33]
            %4 = kv.cache %2 : f32[batch, ctx, 2, 17]
            %5 = nn.attention %0, %3, %4 : f32[batch, seq, 6, 17]
            core.output %5 {name = "y"}
            """, new[] { 7, 1, 3 }, Attention),

        // Keys computed in the step, without a cache: the causal mask of a square block.
        new("nn.attention keys of the step", """
            %0 = core.input {name = "q"} : f32[batch, seq, 6, 33]
            %1 = core.input {name = "k"} : f32[batch, seq, 2, 33]
            %2 = core.input {name = "v"} : f32[batch, seq, 2, 17]
            %3 = nn.attention %0, %1, %2 : f32[batch, seq, 6, 17]
            core.output %3 {name = "y"}
            """, new[] { 9 }, Attention),

        new("nn.attention causal false scale", """
            %0 = core.input {name = "q"} : f32[batch, seq, 6, 33]
            %1 = core.input {name = "k"} : f32[batch, seq, 2, 33]
            %2 = core.input {name = "v"} : f32[batch, seq, 2, 17]
            %3 = nn.attention %0, %1, %2 {causal = false, scale = 0.125} : f32[batch, seq, 6, 17]
            core.output %3 {name = "y"}
            """, new[] { 9 }, Attention),

        new("moe.route", """
            %0 = core.input {name = "logits"} : f32[batch, seq, 9]
            %1, %2 = moe.route %0 {top_k = 3} : f32[batch, seq, 3], i32[batch, seq, 3]
            core.output %1 {name = "weights"}
            core.output %2 {name = "indices"}
            """, new[] { 7 }, Routing),

        new("moe.route sigmoid unnormalized scaled", """
            %0 = core.input {name = "logits"} : f32[batch, seq, 9]
            %1, %2 = moe.route %0 {top_k = 3, scoring = "sigmoid", norm_topk = false, scale = 2.5} : f32[batch, seq, 3], i32[batch, seq, 3]
            core.output %1 {name = "weights"}
            core.output %2 {name = "indices"}
            """, new[] { 7 }, Routing),

        // A selection bias picks the experts but does not weight them (DeepSeek-V3).
        new("moe.route bias", """
            %0 = core.input {name = "logits"} : f32[batch, seq, 9]
            %1 = core.weight {name = "bias"} : f32[9]
            %2, %3 = moe.route %0, bias=%1 {top_k = 3, scoring = "sigmoid"} : f32[batch, seq, 3], i32[batch, seq, 3]
            core.output %2 {name = "weights"}
            core.output %3 {name = "indices"}
            """, new[] { 7 }, Routing),

        new("moe.experts", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.input {name = "weights"} : f32[batch, seq, 3]
            %2 = core.input {name = "indices"} : i32[batch, seq, 3]
            %3 = core.weight {name = "w_gate"} : f32[9, 33, 17]
            %4 = core.weight {name = "w_up"} : f32[9, 33, 17]
            %5 = core.weight {name = "w_down"} : f32[9, 17, 33]
            %6 = moe.experts %0, %1, %2, %4, %5, w_gate=%3 : f32[batch, seq, 33]
            core.output %6 {name = "y"}
            """, new[] { 7 }, Experts, (name, shape, random) => name == "indices" ? DistinctIds(shape, random, 9) : null),

        // Three iterations from offset 1: weights blocks.1.w .. blocks.3.w, each used in its own iteration.
        new("core.repeat", """
            %0 = core.input {name = "x"} : f32[batch, seq, 33]
            %1 = core.repeat %0 {count = 3, name = "blocks", offset = 1} : f32[batch, seq, 33] {
            ^(%2: f32[batch, seq, 33]):
              %3 = core.weight {name = "w"} : f32[33, 33]
              %4 = nn.matmul %2, %3 : f32[batch, seq, 33]
              %5 = nn.add %2, %4 : f32[batch, seq, 33]
              core.yield %5
            }
            core.output %1 {name = "y"}
            """, new[] { 5 }, Dot),
    };

    /// <summary>Per row of the last axis, distinct ids in [0, n): a token's top-k never repeats an expert.</summary>
    private static Tensor DistinctIds(int[] shape, SeededNormal random, int n)
    {
        int k = shape[shape.Length - 1], rows = (int)(Tensor.ElementCount(shape) / k);
        var data = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            var order = Enumerable.Range(0, n).OrderBy(_ => random.NextUInt64()).Take(k).ToArray();
            for (int j = 0; j < k; j++) data[r * k + j] = order[j];
        }
        return new Tensor(shape, data);
    }
}
