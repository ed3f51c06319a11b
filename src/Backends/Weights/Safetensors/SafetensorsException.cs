using System;

namespace GraphDsl.Backends.Weights.Safetensors;

/// <summary>A safetensors file that is malformed or does not hold what was asked; names the tensor when one is at fault.</summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string message, string? tensorName = null)
        : base(tensorName is null ? message : $"tensor '{tensorName}': {message}")
    {
        TensorName = tensorName;
    }

    public string? TensorName { get; }
}
