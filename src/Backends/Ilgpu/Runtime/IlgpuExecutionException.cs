using System;

namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>What went wrong, so the command line can give each its own diagnostic id.</summary>
public enum ExecutionFailure
{
    /// <summary>The module uses an op or a form of one this backend does not run.</summary>
    Unsupported,
    /// <summary>An input is wrong for the module (a token id outside the vocabulary, a shape).</summary>
    BadInput,
    /// <summary>No accelerator of the requested kind could be created.</summary>
    NoDevice,
    /// <summary>A weight is missing or does not fit the module.</summary>
    BadWeights,
}

/// <summary>Why the ILGPU backend cannot run a module or a step; the message names the op or tensor.</summary>
public sealed class IlgpuExecutionException : Exception
{
    public IlgpuExecutionException(ExecutionFailure failure, string message, Exception? inner = null) : base(message, inner) { Failure = failure; }

    public ExecutionFailure Failure { get; }
}
