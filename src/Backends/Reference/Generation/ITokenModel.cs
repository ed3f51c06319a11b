using System;

namespace GraphDsl.Backends.Reference.Generation;

/// <summary>A model that runs one step of a sequence at a time, keeping its KV cache between steps:
/// the reference interpreter, or a compiled backend.</summary>
public interface ITokenModel
{
    /// <summary>Runs token ids [batch, seq] after the tokens already seen; returns the logits.</summary>
    Tensor Step(Tensor tokens);

    /// <summary>Forgets the sequence: the next step starts at position 0.</summary>
    void Reset();
}

/// <summary>The reference interpreter with its own KV cache, as an <see cref="ITokenModel"/>.</summary>
public sealed class InterpreterModel : ITokenModel
{
    private KvCacheState _cache = new();

    public InterpreterModel(Interpreter interpreter) { Interpreter = interpreter ?? throw new ArgumentNullException(nameof(interpreter)); }

    public Interpreter Interpreter { get; }

    public Tensor Step(Tensor tokens) => Interpreter.Step(tokens, _cache);

    public void Reset() => _cache = new KvCacheState();
}
