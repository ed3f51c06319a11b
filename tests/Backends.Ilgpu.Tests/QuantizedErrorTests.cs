using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Ir.Graph;
using Xunit.Abstractions;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>
/// Quantized weights on the device move the logits of the unquantized reference by no more than the
/// formats allow: the RMS relative deviation over a prefill and three decode steps stays within K x e,
/// e the weights' own RMS relative quantization error as stored, K = 3 for the dense sample and 8 with
/// routed experts (a perturbed router score can flip a top-k choice); the bound and its reasons are those
/// of the reference's PassSemanticsTests, so ILGPU's packed decode must match the reference's rounding.
/// </summary>
public class QuantizedErrorTests
{
    private readonly ITestOutputHelper _out;

    public QuantizedErrorTests(ITestOutputHelper output) { _out = output; }

    [Theory]
    [InlineData("tiny-dense", "fp8-e4m3", 3)]
    [InlineData("tiny-dense", "int4", 3)]
    [InlineData("tiny-dense", "mxfp4", 3)]
    [InlineData("tiny-moe", "fp8-e4m3", 8)]
    [InlineData("tiny-moe", "int4", 8)]
    [InlineData("tiny-moe", "mxfp4", 8)]
    public void Device_logits_with_quantized_weights_stay_within_the_format_bound(string sample, string format, double gain)
    {
        var source = Sample(sample);
        var weights = SeededWeights(source, seed: 3);
        var quantized = Apply(source, $"quantize{{weights={format},group=32}},fuse");
        var reference = Logits(new Reference.Generation.InterpreterModel(new Interpreter(source, weights)));
        using var program = new IlgpuProgram(Backend, quantized, weights);
        var device = Logits(program);
        double num = 0, den = 0;
        foreach (var (r, d) in reference.Zip(device))
            for (int i = 0; i < r.Length; i++) { num += (r[i] - d[i]) * (double)(r[i] - d[i]); den += r[i] * (double)r[i]; }
        double deviation = Math.Sqrt(num / den), e = WeightError(quantized, weights);
        _out.WriteLine($"{sample} {format}: logits {deviation:E3}, weights {e:E3}, ratio {deviation / e:F2}");
        Assert.True(e > 0 && deviation > 0, "quantizing changed nothing");
        Assert.True(deviation <= gain * e, $"logits moved by {deviation:E3}, more than {gain} x the weights' error {e:E3}");
    }

    private static List<float[]> Logits(Reference.Generation.ITokenModel model)
    {
        var prompt = Enumerable.Range(0, 14).Select(i => (i * 29 + 5) % 60).ToArray();
        var steps = new List<float[]> { model.Step(Tensor.FromInts(new[] { 2, 7 }, prompt)).Data };
        for (int s = 0; s < 3; s++) steps.Add(model.Step(Tensor.FromInts(new[] { 2, 1 }, 3 + s, 40 - s)).Data);
        return steps;
    }

    private static double WeightError(Module quantized, WeightSet weights)
    {
        double num = 0, den = 0;
        foreach (var w in ModuleWeights.Enumerate(quantized))
        {
            if (!WeightStorage.Rounds(w.DType)) continue;
            var master = weights[w.Name];
            var stored = WeightStorage.Round(master, w.DType);
            for (int i = 0; i < master.Data.Length; i++) { double x = stored.Data[i] - master.Data[i]; num += x * x; den += master.Data[i] * (double)master.Data[i]; }
        }
        return Math.Sqrt(num / Math.Max(den, 1e-30));
    }
}
