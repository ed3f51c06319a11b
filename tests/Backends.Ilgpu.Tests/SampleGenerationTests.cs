using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using Xunit.Abstractions;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// The tiny samples generate the same greedy tokens on ILGPU's CPU accelerator as in the reference
/// interpreter, unfused and fused, and with FP8, INT4 and MXFP4 weights (the reference runs the same
/// quantized module, so the comparison checks the kernels, not the formats). Logits agree to 2e-4
/// of their scale: f32 kernels accumulate in f32 where the reference uses double.
/// </summary>
public class SampleGenerationTests
{
    private static readonly int[] Prompt = { 1, 17, 42, 7, 256, 3 };
    private const double LogitTolerance = 2e-4;
    private readonly ITestOutputHelper _out;

    public SampleGenerationTests(ITestOutputHelper output) { _out = output; }

    public static TheoryData<string, string> Cases => new()
    {
        { "tiny-dense", "" }, { "tiny-moe", "" }, { "tiny-dense", "fuse" }, { "tiny-moe", "fuse" },
        { "tiny-dense", "quantize{weights=fp8-e4m3,kv=fp8},fuse" }, { "tiny-moe", "quantize{weights=fp8-e4m3},fuse" },
        { "tiny-dense", "quantize{weights=int4,group=32}" }, { "tiny-moe", "quantize{weights=int4,group=32},fuse" },
        { "tiny-dense", "quantize{weights=mxfp4},fuse" }, { "tiny-moe", "quantize{weights=mxfp4}" },
        { "tiny-moe", "fuse,quantize{weights=nvfp4,kv=int8}" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_tokens_match_the_reference(string sample, string pipeline)
    {
        var source = Harness.Sample(sample);
        // Weights come from the unoptimized module: the same tensors whatever the pipeline.
        var weights = Harness.SeededWeights(source);
        var module = Harness.Apply(source, pipeline);
        var reference = new Generator(new Interpreter(module, weights)).Generate(Prompt, 6);
        using var program = new IlgpuProgram(Harness.Backend, module, weights);
        var device = new Generator(program).Generate(Prompt, 6);
        Assert.Equal(reference.Tokens, device.Tokens);
        double worst = 0;
        for (int i = 0; i < reference.StepLogits.Count; i++)
        {
            var r = new Tensor(new[] { reference.StepLogits[i].Length }, reference.StepLogits[i]);
            var d = new Tensor(new[] { device.StepLogits[i].Length }, device.StepLogits[i]);
            worst = System.Math.Max(worst, Harness.Deviation(r, d));
        }
        _out.WriteLine($"{sample} [{pipeline}]: tokens {string.Join(" ", device.Tokens)}, worst logit deviation {worst:E2}, {program.LastStep!.Instructions} launches per decode step, patterns {string.Join(",", program.LastStep.FusionPatterns)}");
        Assert.True(worst <= LogitTolerance, $"logits deviate by {worst:E2}");
    }
}
