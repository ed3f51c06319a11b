using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Backends.Reference.Onnx.Tests.Export;
using GraphDsl.Backends.Reference.Onnx.Tests.Runtime;
using GraphDsl.Backends.Reference.Tests;
using GraphDsl.TestSupport;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Reference.Onnx.Tests;

/// <summary>
/// The tiny samples, flattened by inline,canonicalize and run with the project's seeded weights (seed 1,
/// as <c>graphdsl weights init</c> writes them), on the reference interpreter and, exported to ONNX, on ONNX
/// Runtime: the logits of a prefill, decode steps and a multi-token step over the cache agree, and so do
/// greedy generations.
/// </summary>
public sealed class TinySampleOracleTests
{
    /// <summary>
    /// Both sides compute in f32 between ops; what differs is inside the ops: the reference accumulates
    /// matmuls, norms, softmax and attention in double and rounds once, ONNX Runtime accumulates in f32 in
    /// its own blocked order (MLAS GEMM with FMA), computes exp and the sigmoid with its own vectorized
    /// approximations, and cos/sin of the RoPE angle in f32. Those differences (about 1e-7 of a value per op)
    /// pass through four layers; observed at most 6.9e-7 of the step's largest logit (tiny-dense 4.3e-7,
    /// tiny-moe 6.9e-7), allowed 1e-5, so a different CPU's GEMM blocking still passes and a wrong op
    /// (errors of order 1e-2 and up) does not.
    /// </summary>
    private static readonly Tolerance Logits = new(1e-5, "f32 accumulation order, exp/sigmoid approximations and f32 RoPE angles in ONNX Runtime against double accumulation in the reference");

    private readonly ITestOutputHelper _output;

    public TinySampleOracleTests(ITestOutputHelper output) { _output = output; }

    public static IEnumerable<object[]> Samples => Repo.TinyModels.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Prefill_decode_and_a_chunk_over_the_cache_give_the_same_logits(string sample)
    {
        var module = TestModels.Sample(sample);
        using var run = new OracleRun(module, TestModels.SeededWeights(module));
        // Batch 2: a 5-token prefill, three one-token decode steps, then 3 tokens at once over the cache
        // (a query block whose causal mask is offset by the cached tokens).
        var steps = new[] { 5, 1, 1, 1, 3 };
        int next = 1;
        for (int step = 0; step < steps.Length; step++)
        {
            var ids = Enumerable.Range(0, 2 * steps[step]).Select(_ => (next = (next * 37 + 11) % 512)).ToArray();
            var logits = run.Step(new Dictionary<string, Tensor> { ["tokens"] = Tensor.FromInts(new[] { 2, steps[step] }, ids) })["logits"];
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step} ({steps[step]} tokens): max |difference| / scale = {Tolerance.ErrorOfScale(logits.Reference, logits.Onnx):E2}"));
            Logits.AssertClose($"{sample}, step {step} ({steps[step]} tokens), logits", logits.Reference, logits.Onnx);
        }
    }

    /// <summary>The generated tokens agree, and so do the three best tokens of every step in order: tiny-dense
    /// ties its input and output embeddings, so with random weights its greedy choice echoes the last token,
    /// and the runners-up are what tell a wrong model from a right one there. (Their logits are several
    /// units apart, far beyond the tolerance, so a near tie cannot flip them.)</summary>
    [Theory]
    [MemberData(nameof(Samples))]
    public void Greedy_generation_gives_the_same_tokens_and_runners_up(string sample)
    {
        var module = TestModels.Sample(sample);
        var weights = TestModels.SeededWeights(module);
        var prompt = new[] { 1, 17, 42 };
        var reference = new Generator(new Interpreter(module, weights)).Generate(prompt, 12);
        using var onnxModel = new OnnxTokenModel(OnnxExporter.Export(module, weights));
        var onnx = new Generator(onnxModel).Generate(prompt, 12);
        _output.WriteLine($"reference: {string.Join(",", reference.Tokens)}; onnx: {string.Join(",", onnx.Tokens)}");
        Assert.Equal(reference.Tokens, onnx.Tokens);
        for (int step = 0; step < reference.StepLogits.Count; step++)
            Assert.True(Best(reference.StepLogits[step]).SequenceEqual(Best(onnx.StepLogits[step])),
                $"{sample}, step {step}: the best three tokens are {string.Join(",", Best(onnx.StepLogits[step]))} under ONNX Runtime " +
                $"but {string.Join(",", Best(reference.StepLogits[step]))} in the reference");
    }

    private static int[] Best(float[] logits) =>
        Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(3).ToArray();
}
