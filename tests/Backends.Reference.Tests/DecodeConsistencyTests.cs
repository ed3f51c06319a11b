using System;
using System.Linq;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference.Tests;

/// <summary>
/// Decoding with the KV cache (and the recurrent state of the hybrids) must give the logits a full prefill of the same tokens
/// gives at each position: the stated tolerance is 1e-4 relative to the row's largest logit (observed: 0, since every
/// position sums the same terms in the same order either way).
/// </summary>
public class DecodeConsistencyTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Models => new() { "tiny-dense", "tiny-moe", "oss", "deepseek", "gptj", "tiny-hybrid", "mamba" };

    internal static Module Load(string name) => name switch
    {
        "oss" => TestModels.FromSource(TinyModelSources.Oss),
        "deepseek" => TestModels.FromSource(TinyModelSources.DeepSeek),
        "gptj" => TestModels.FromSource(TinyModelSources.GptJ),
        "mamba" => TestModels.FromSource(TinyModelSources.Mamba),
        _ => TestModels.Sample(name),
    };

    private static int[] Tokens(int count, int vocab) => Enumerable.Range(0, count).Select(i => (i * 37 + 11) % vocab).ToArray();

    [Theory]
    [MemberData(nameof(Models))]
    public void Decoding_token_by_token_matches_a_full_prefill(string model)
    {
        var module = Load(model);
        var interpreter = new Interpreter(module, TestModels.SeededWeights(module, seed: 7));
        const int total = 9, prefill = 4;
        var tokens = Tokens(total, 64);
        var full = interpreter.Step(Tensor.FromInts(new[] { 1, total }, tokens), new KvCacheState());
        int vocab = full.LastDim;

        var cache = new KvCacheState();
        var logits = interpreter.Step(Tensor.FromInts(new[] { 1, prefill }, tokens[..prefill]), cache);
        AssertClose(Row(full, prefill - 1, vocab), Generator.LastPosition(logits), model, prefill - 1);
        for (int p = prefill; p < total; p++)
        {
            logits = interpreter.Step(Tensor.FromInts(new[] { 1, 1 }, tokens[p]), cache);
            Assert.Equal(new[] { 1, 1, vocab }, logits.Shape);
            AssertClose(Row(full, p, vocab), Generator.LastPosition(logits), model, p);
        }
        Assert.Equal(total, cache.TokensSeen);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Sequences_of_a_batch_do_not_affect_each_other(string model)
    {
        var module = Load(model);
        var interpreter = new Interpreter(module, TestModels.SeededWeights(module, seed: 3));
        var a = Tokens(5, 64);
        var b = a.Select(t => (t * 5 + 3) % 64).ToArray();
        var both = interpreter.Step(Tensor.FromInts(new[] { 2, 5 }, a.Concat(b).ToArray()), new KvCacheState());
        var alone = interpreter.Step(Tensor.FromInts(new[] { 1, 5 }, b), new KvCacheState());
        Assert.Equal(alone.Data, both.Data[(both.Count / 2)..]);
    }

    private static float[] Row(Tensor logits, int position, int vocab) => logits.Data.AsSpan(position * vocab, vocab).ToArray();

    private static void AssertClose(float[] expected, float[] actual, string model, int position)
    {
        double scale = expected.Max(v => Math.Abs(v));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance * scale,
            $"{model}, position {position}: decode differs from prefill by {worst} (largest logit {scale}, tolerance {Tolerance} relative)");
    }
}
