using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>An SSA value: the result of exactly one operation, or an argument of a region.</summary>
public sealed class Value
{
    internal Value(TensorType type, Operation? owner, int index, Region? argOf)
    {
        Type = type; Owner = owner; Index = index; ArgumentOf = argOf;
    }

    public TensorType Type { get; }
    /// <summary>The defining operation; null for region arguments.</summary>
    public Operation? Owner { get; }
    /// <summary>Result index in <see cref="Owner"/>, or argument index in <see cref="ArgumentOf"/>.</summary>
    public int Index { get; }
    public Region? ArgumentOf { get; }

    public override string ToString() => Owner is not null ? $"{Owner.Name}#{Index} : {Type}" : $"arg{Index} : {Type}";
}
