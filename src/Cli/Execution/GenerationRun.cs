using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Generation;
using GraphDsl.Ir.Graph;
using GraphDsl.Numerics;

namespace GraphDsl.Cli.Execution;

/// <summary>What <c>graphdsl run</c> measured: the tokens, how fast, and (with --check) what the
/// reference interpreter makes of the same module and the same tokens.</summary>
internal sealed record GenerationOutcome(
    string Model, string Device, IReadOnlyList<int> Prompt, IReadOnlyList<int> Tokens, double CompileMs, double PrefillMs, double TotalSeconds,
    double DecodeSeconds, StepReport? LastStep, IReadOnlyList<int>? ReferenceTokens, double? MaxAbsLogitDiff, IReadOnlyList<ValueScan> LogitScans)
{
    /// <summary>Generated tokens per second over the whole generation (prefill included).</summary>
    public double TokensPerSecond => TotalSeconds > 0 ? Tokens.Count / TotalSeconds : 0;

    /// <summary>Decode steps per second (each produces one token after the first).</summary>
    public double DecodeTokensPerSecond => DecodeSeconds > 0 ? (Tokens.Count - 1) / DecodeSeconds : 0;

    public bool? MatchesReference => ReferenceTokens is null ? null : ReferenceTokens.SequenceEqual(Tokens);
}

/// <summary>Generates on the ILGPU backend and, when asked, checks against the reference interpreter:
/// its own greedy/sampled tokens, and its logits along the backend's tokens (teacher forcing), so the
/// logit difference compares like with like even where a near tie flips a token.</summary>
internal static class GenerationRun
{
    public static GenerationOutcome Run(Module module, WeightSet weights, BackendDevice device, int[] prompt, int maxNew, SamplingOptions sampling, bool check)
    {
        using var backend = IlgpuBackend.Create(device);
        var compile = Stopwatch.StartNew();
        backend.CompileKernels();
        double compileMs = compile.Elapsed.TotalMilliseconds;
        using var program = new IlgpuProgram(backend, module, weights);
        var generator = new Generator(program);
        var result = generator.Generate(prompt, maxNew, sampling);
        var steps = generator.StepSeconds;
        IReadOnlyList<int>? referenceTokens = null;
        double? diff = null;
        if (check)
        {
            var interpreter = new Interpreter(module, weights);
            referenceTokens = new Generator(interpreter).Generate(prompt, maxNew, sampling).Tokens;
            diff = TeacherForcedDifference(interpreter, prompt, result);
        }
        return new GenerationOutcome(module.Name, backend.DeviceName, prompt, result.Tokens, compileMs, steps.Count > 0 ? steps[0] * 1e3 : 0,
            steps.Sum(), steps.Skip(1).Sum(), program.LastStep, referenceTokens, diff, result.StepLogits.Select(l => ValueScan.Of(l)).ToArray());
    }

    private static double TeacherForcedDifference(Interpreter interpreter, int[] prompt, GenerationResult device)
    {
        var model = new InterpreterModel(interpreter);
        double worst = 0;
        var next = prompt;
        for (int i = 0; i < device.StepLogits.Count; i++)
        {
            var logits = Generator.LastPosition(model.Step(Tensor.FromInts(new[] { 1, next.Length }, next)));
            var d = device.StepLogits[i];
            for (int j = 0; j < logits.Length; j++) worst = Math.Max(worst, Math.Abs(logits[j] - d[j]));
            next = new[] { device.Tokens[i] };
        }
        return worst;
    }
}
