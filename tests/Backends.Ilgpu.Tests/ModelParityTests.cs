using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Tests;
using GraphDsl.Ir.Graph;
using Xunit.Abstractions;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Whole models, batch 2: a prefill of 7 tokens per sequence, then three decode steps, through the
/// reference interpreter and ILGPU, for the tiny samples and the small models that exercise sliding
/// windows with sinks, biases and clamped SwiGLU experts (gpt-oss shaped) and LayerNorm with partial
/// RoPE and soft-capping (GPT-J shaped), MLA with grouped sigmoid routing (DeepSeek-V3 shaped), and the hybrids whose decode steps read
/// the recurrent state the earlier steps left (tiny-hybrid's gated DeltaNet, Mamba-2 and Mamba-1 scans); unfused, fused, and with
/// quantized weights and KV cache.
/// Tolerance 2e-4 of the logits' scale (f32 accumulation over a few layers against double).
/// </summary>
public class ModelParityTests
{
    private const double Tolerance = 2e-4;
    private readonly ITestOutputHelper _out;

    public ModelParityTests(ITestOutputHelper output) { _out = output; }

    private static Module Load(string name) => name switch
    {
        "oss" => FromSource(TinyModelSources.Oss),
        "gptj" => FromSource(TinyModelSources.GptJ),
        "deepseek" => FromSource(TinyModelSources.DeepSeek),
        "mamba" => FromSource(TinyModelSources.Mamba),
        _ => Sample(name),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "tiny-dense", "tiny-moe", "oss", "gptj", "deepseek", "tiny-hybrid", "mamba" })
            foreach (var pipeline in new[] { "", "fuse", "quantize{weights=nvfp4,kv=fp8},fuse", "quantize{weights=int8,kv=bf16},fuse", "quantize{weights=int4,group=32,kv=int8}", "quantize{weights=mxfp4,kv=int4},fuse" })
                data.Add(model, pipeline);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prefill_and_decode_logits_match_the_reference(string model, string pipeline)
    {
        var source = Load(model);
        var weights = SeededWeights(source, seed: 3);
        var module = Apply(source, pipeline);
        int vocab = (int)IrBuilder.Resolver(module)("vocab")!.Value;
        var prompt = Enumerable.Range(0, 14).Select(i => (i * 29 + 5) % vocab).ToArray();
        var steps = new List<Dictionary<string, Tensor>> { new() { ["tokens"] = Tensor.FromInts(new[] { 2, 7 }, prompt) } };
        for (int s = 0; s < 3; s++) steps.Add(new() { ["tokens"] = Tensor.FromInts(new[] { 2, 1 }, (3 + s) % vocab, (40 - s) % vocab) });
        var results = Both(module, weights, steps.ToArray());
        var deviations = results.Select(r => Deviation(r.Reference["logits"], r.Device["logits"])).ToArray();
        _out.WriteLine($"{model} [{pipeline}]: deviation per step {string.Join(", ", deviations.Select(d => d.ToString("E2")))}");
        Assert.All(deviations, d => Assert.True(d <= Tolerance, $"logits deviate by {d:E2}"));
    }
}
