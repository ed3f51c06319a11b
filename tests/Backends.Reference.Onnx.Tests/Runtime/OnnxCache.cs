using System.Collections.Generic;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Runtime;

/// <summary>The entries of every cache slot of an exported model between steps (its presents after the
/// last step); empty before the first step.</summary>
internal sealed class OnnxCache
{
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _entries = new();

    public bool TryGet(string past, out (float[] Data, long[] Shape) entries) => _entries.TryGetValue(past, out entries);

    internal void Commit(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> presents)
    {
        foreach (var kv in presents) _entries[kv.Key] = kv.Value;
    }
}
