using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Import.Writing;

/// <summary>
/// One decoder layer as .moe statements. <see cref="Kind"/> names it ("dense", "moe", "sliding", "full"); the lines
/// write each call name with a <c>{p}</c> placeholder, which becomes "KIND_" where layers of several kinds share one
/// repeat body (so their weights get distinct names) and "" elsewhere. Two layers are the same layer when kind and
/// lines agree, which is what lets identical layers become one repeat.
/// </summary>
public sealed class Layer : IEquatable<Layer>
{
    public Layer(string kind, IEnumerable<string> lines)
    {
        Kind = kind; Lines = lines.ToArray();
    }

    public string Kind { get; }
    public IReadOnlyList<string> Lines { get; }

    public IEnumerable<string> Render(string prefix) => Lines.Select(l => l.Replace("{p}", prefix));

    public bool Equals(Layer? other) => other is not null && Kind == other.Kind && Lines.SequenceEqual(other.Lines);
    public override bool Equals(object? obj) => Equals(obj as Layer);
    public override int GetHashCode() => Lines.Aggregate(Kind.GetHashCode(), (h, l) => h * 31 + l.GetHashCode());
}
