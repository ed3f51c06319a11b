using System.Collections.Generic;

namespace GraphDsl.Backends.Reference.Generation;

/// <summary>The tokens a generation produced and, for each, the logits of the step that chose it.</summary>
public sealed class GenerationResult
{
    public GenerationResult(IReadOnlyList<int> prompt, IReadOnlyList<int> tokens, IReadOnlyList<float[]> stepLogits)
    {
        Prompt = prompt; Tokens = tokens; StepLogits = stepLogits;
    }

    public IReadOnlyList<int> Prompt { get; }
    /// <summary>The generated tokens (not including the prompt).</summary>
    public IReadOnlyList<int> Tokens { get; }
    /// <summary>Last-position logits [vocab] of each step: the prefill first, then one per decode step.</summary>
    public IReadOnlyList<float[]> StepLogits { get; }
}
