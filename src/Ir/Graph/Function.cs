using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>A function: the IR form of a .moe block instantiation, called with <c>core.call</c>.
/// Weights declared in its body are instantiated once per call, under the call's name prefix.</summary>
public sealed class Function
{
    public Function(string name, IReadOnlyList<TensorType>? resultTypes = null)
    {
        Name = name;
        ResultTypes = resultTypes ?? Array.Empty<TensorType>();
        Body = new Region { Function = this };
    }

    public string Name { get; }
    public Region Body { get; }
    /// <summary>Set at construction, or once by a frontend that learns them from the body's return.</summary>
    public IReadOnlyList<TensorType> ResultTypes { get; private set; }

    public void SetResultTypes(IReadOnlyList<TensorType> types) => ResultTypes = types;
    public IReadOnlyList<TensorType> ArgumentTypes => Body.Arguments.Select(a => a.Type).ToArray();
}
