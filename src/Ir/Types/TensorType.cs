using System;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Types;

/// <summary>The type of every SSA value: element type and symbolic shape, printed <c>bf16[batch, seq, 4096]</c>.</summary>
public sealed class TensorType : IEquatable<TensorType>
{
    public TensorType(DType dtype, Shape shape) { DType = dtype; Shape = shape; }
    public DType DType { get; }
    public Shape Shape { get; }
    public int Rank => Shape.Rank;

    public TensorType WithShape(Shape shape) => new(DType, shape);
    public TensorType WithDType(DType dtype) => new(dtype, Shape);

    public bool Equals(TensorType? other) => other is not null && other.DType == DType && other.Shape.Equals(Shape);
    public override bool Equals(object? obj) => obj is TensorType t && Equals(t);
    public override int GetHashCode() => DType.GetHashCode() * 31 + Shape.GetHashCode();
    public override string ToString() => DType.Name + Shape;
}
