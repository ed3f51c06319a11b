using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Numerics;

namespace GraphDsl.Backends.Reference.Generation;

/// <summary>
/// Autoregressive generation for one sequence: a prefill step runs the prompt [1, P] through the
/// model and fills the KV cache, then each decode step runs the previous token [1, 1] against the
/// cache. The next token comes from the last position's logits.
/// </summary>
public sealed class Generator
{
    private readonly ITokenModel _model;

    public Generator(Interpreter interpreter) : this(new InterpreterModel(interpreter)) { }

    /// <summary>Generates with any step-at-a-time model (the reference interpreter, a compiled backend).</summary>
    public Generator(ITokenModel model) { _model = model ?? throw new ArgumentNullException(nameof(model)); }

    /// <summary>Seconds each step of the last generation took (the prefill first).</summary>
    public IReadOnlyList<double> StepSeconds => _stepSeconds;
    private readonly List<double> _stepSeconds = new();

    public GenerationResult Generate(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions? sampling = null)
    {
        if (prompt is null || prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token", nameof(prompt));
        if (maxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(maxNewTokens));
        sampling ??= SamplingOptions.Greedy;
        var random = new SplitMix64(sampling.Seed);
        _model.Reset();
        _stepSeconds.Clear();
        var tokens = new List<int>();
        var stepLogits = new List<float[]>();
        var next = prompt.ToArray();
        while (tokens.Count < maxNewTokens)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var logits = _model.Step(Tensor.FromInts(new[] { 1, next.Length }, next));
            _stepSeconds.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            var last = LastPosition(logits);
            if (ValueScan.Of(last) is { NoneFinite: true } scan) throw new DegenerateLogitsException(tokens.Count, scan);
            stepLogits.Add(last);
            int token = sampling.Temperature > 0 ? TokenSampler.Sample(last, sampling.Temperature, random) : TokenSampler.Greedy(last);
            tokens.Add(token);
            if (token == sampling.StopToken) break;
            next = new[] { token };
        }
        return new GenerationResult(prompt.ToArray(), tokens, stepLogits);
    }

    /// <summary>The logits of the last position: the last row of [1, s, vocab] (or of [1, 1, vocab] after prune-logits).</summary>
    public static float[] LastPosition(Tensor logits)
    {
        if (logits.Rank < 2) throw new ArgumentException($"logits {logits.ShapeText} need a vocabulary axis");
        var row = new float[logits.LastDim];
        Array.Copy(logits.Data, logits.Count - row.Length, row, 0, row.Length);
        return row;
    }
}
