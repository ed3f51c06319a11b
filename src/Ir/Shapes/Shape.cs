using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Ir.Shapes;

/// <summary>An immutable list of dimensions, printed <c>[batch, seq, 4096]</c>.</summary>
public sealed class Shape : IEquatable<Shape>
{
    /// <summary>The largest rank a written type or shape may have (the frontend and the IR text check it). No op
    /// takes more than rank 5; the bound keeps shape inference, whose element counts are products over the
    /// dimensions walked recursively, from overflowing the stack on a type of rank 20,000.</summary>
    public const int MaxRank = 16;

    public Shape(IEnumerable<DimExpr> dims) { Dims = dims.ToArray(); }
    public Shape(params DimExpr[] dims) { Dims = dims.ToArray(); }

    public IReadOnlyList<DimExpr> Dims { get; }
    public int Rank => Dims.Count;
    public DimExpr this[int i] => Dims[i];
    public DimExpr Last => Dims[Dims.Count - 1];
    public bool IsStatic => Dims.All(d => d.IsStatic);

    public static readonly Shape Scalar = new(Array.Empty<DimExpr>());

    public Shape WithLast(DimExpr d) => new(Dims.Take(Rank - 1).Append(d));
    public Shape Map(Func<DimExpr, DimExpr> f) => new(Dims.Select(f));

    /// <summary>Number of elements as one expression.</summary>
    public DimExpr NumElements() => Dims.Count == 0 ? DimExpr.Of(1) : Dims.Aggregate((a, b) => a * b);

    public bool Equals(Shape? other) => other is not null && other.Rank == Rank && Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode() => Dims.Aggregate(Rank, (h, d) => h * 31 + d.GetHashCode());
    public override string ToString() => "[" + string.Join(", ", Dims.Select(d => d.ToString())) + "]";
}
