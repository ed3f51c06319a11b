using System;

namespace GraphDsl.Passes.Parallelize;

/// <summary>
/// How a value is laid out over the tensor-parallel group: replicated on every member, split into
/// <see cref="Parts"/> equal pieces along <see cref="Axis"/>, or a partial sum that an all-reduce must
/// complete. Parts may be smaller than the group (KV heads fewer than TP ranks are replicated).
/// </summary>
public readonly struct Shard : IEquatable<Shard>
{
    private Shard(int axis, int parts, bool partial) { Axis = axis; Parts = parts; IsPartial = partial; }

    public static readonly Shard Replicated = new(-1, 1, false);
    public static Shard Split(int axis, int parts) => parts <= 1 ? Replicated : new Shard(axis, parts, false);
    public static Shard Partial(int parts) => new(-1, parts, true);

    /// <summary>The split axis, or -1.</summary>
    public int Axis { get; }
    public int Parts { get; }
    public bool IsPartial { get; }
    public bool IsReplicated => !IsPartial && Parts <= 1;
    public bool IsSplit => !IsPartial && Parts > 1;

    public bool Equals(Shard o) => Axis == o.Axis && Parts == o.Parts && IsPartial == o.IsPartial;
    public override bool Equals(object? obj) => obj is Shard s && Equals(s);
    public override int GetHashCode() => (Axis * 397) ^ (Parts * 31) ^ (IsPartial ? 1 : 0);
    public override string ToString() => IsPartial ? $"partial/{Parts}" : IsSplit ? $"split(axis {Axis})/{Parts}" : "replicated";
}
