using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Graph;

/// <summary>An immutable, key-sorted attribute dictionary (sorted so printing is deterministic).</summary>
public sealed class AttrDict : IReadOnlyList<KeyValuePair<string, Attr>>, IEquatable<AttrDict>
{
    private readonly KeyValuePair<string, Attr>[] _items;

    public AttrDict(IEnumerable<KeyValuePair<string, Attr>> items)
    {
        _items = items.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        for (int i = 1; i < _items.Length; i++)
            if (_items[i].Key == _items[i - 1].Key) throw new ArgumentException($"duplicate attribute '{_items[i].Key}'");
    }

    public static readonly AttrDict Empty = new(Array.Empty<KeyValuePair<string, Attr>>());

    public int Count => _items.Length;
    public KeyValuePair<string, Attr> this[int index] => _items[index];

    public Attr? Get(string key)
    {
        foreach (var kv in _items) if (kv.Key == key) return kv.Value;
        return null;
    }

    public bool Has(string key) => Get(key) is not null;
    public DimExpr? GetInt(string key) => (Get(key) as IntAttr)?.Value;
    public double? GetFloat(string key) => Get(key) switch { FloatAttr f => f.Value, IntAttr { Value: ConstDim c } => c.Value, _ => null };
    public bool? GetBool(string key) => (Get(key) as BoolAttr)?.Value;
    public string? GetString(string key) => (Get(key) as StrAttr)?.Value;
    public DType? GetDType(string key) => (Get(key) as DTypeAttr)?.Value;
    public Shape? GetShape(string key) => (Get(key) as ShapeAttr)?.Value;

    public AttrDict With(string key, Attr value) =>
        new(_items.Where(kv => kv.Key != key).Append(new KeyValuePair<string, Attr>(key, value)));

    public AttrDict Without(string key) => new(_items.Where(kv => kv.Key != key));

    public AttrDict Map(Func<Attr, Attr> f) => new(_items.Select(kv => new KeyValuePair<string, Attr>(kv.Key, f(kv.Value))));

    public IEnumerator<KeyValuePair<string, Attr>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, Attr>>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(AttrDict? other) =>
        other is not null && other._items.Length == _items.Length &&
        _items.Zip(other._items, (a, b) => a.Key == b.Key && a.Value.Equals(b.Value)).All(x => x);
    public override bool Equals(object? obj) => obj is AttrDict d && Equals(d);
    public override int GetHashCode() => _items.Aggregate(17, (h, kv) => h * 31 + kv.Key.GetHashCode() ^ kv.Value.GetHashCode());

    public override string ToString() => "{" + string.Join(", ", _items.Select(kv => kv.Key + " = " + kv.Value)) + "}";
}
