using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Reference;

/// <summary>
/// The weights a module runs with, by full name: <c>embed.table</c> outside repeats and
/// <c>layers.{i}.attn.wq</c> for iteration i of <c>repeat ... as layers</c> (calls add their name).
/// </summary>
public sealed class WeightSet : IEnumerable<KeyValuePair<string, Tensor>>
{
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);

    public WeightSet() { }

    public WeightSet(IEnumerable<KeyValuePair<string, Tensor>> weights)
    {
        foreach (var kv in weights) Add(kv.Key, kv.Value);
    }

    /// <summary>Builds a set from plain arrays (e.g. what a safetensors loader or initializer produced).</summary>
    public static WeightSet FromArrays(IEnumerable<(string Name, int[] Shape, float[] Data)> weights)
    {
        var set = new WeightSet();
        foreach (var (name, shape, data) in weights) set.Add(name, new Tensor(shape, data));
        return set;
    }

    public int Count => _byName.Count;
    public IEnumerable<string> Names => _byName.Keys.OrderBy(n => n, StringComparer.Ordinal);

    public void Add(string name, Tensor value)
    {
        if (_byName.ContainsKey(name)) throw new ArgumentException($"weight '{name}' given twice");
        _byName[name] = value;
    }

    /// <summary>Replaces or adds a weight.</summary>
    public void Set(string name, Tensor value) => _byName[name] = value;

    public bool TryGet(string name, out Tensor value) => _byName.TryGetValue(name, out value!);

    public Tensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no weight named '{name}'");

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _byName.OrderBy(kv => kv.Key, StringComparer.Ordinal).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
