using System;

namespace GraphDsl.Backends.Reference;

/// <summary>Why the reference interpreter cannot run a module or one of its ops; the message names the op.</summary>
public sealed class InterpreterException : Exception
{
    public InterpreterException(string message, string? opName = null) : base(message) { OpName = opName; }

    /// <summary>The op that failed, when one did.</summary>
    public string? OpName { get; }
}
