using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.Reference;

/// <summary>What one kv.cache op holds for one repeat iteration: entries [batch, len, ...] and the
/// absolute position of each of the len entries (a sliding window drops the oldest).</summary>
public sealed class CachedEntries
{
    internal CachedEntries(Operation op, string path, Tensor values, long[] positions)
    {
        Op = op; Path = path; Values = values; Positions = positions;
    }

    public Operation Op { get; }
    /// <summary>Weight-name prefix of the iteration this cache belongs to (e.g. <c>layers.2</c>).</summary>
    public string Path { get; }
    public Tensor Values { get; }
    public IReadOnlyList<long> Positions { get; }
    public int Length => Positions.Count;
}

/// <summary>
/// The state a model keeps between steps: every kv.cache op's entries, per repeat iteration, and the
/// number of tokens processed so far (the position of the next token). A step's updates are staged and
/// committed only when the step succeeds, so a failed step leaves the state as it was.
/// </summary>
public sealed class KvCacheState
{
    private readonly Dictionary<(Operation Op, string Path), CachedEntries> _entries = new();

    /// <summary>Tokens processed by earlier steps: the absolute position of this step's first token.</summary>
    public long TokensSeen { get; private set; }

    /// <summary>The module whose steps filled this state; null while empty. Entries belong to that module's ops.</summary>
    public Module? Module { get; private set; }

    /// <summary>The batch the cache was filled with; null while empty.</summary>
    public int? Batch { get; private set; }

    public IReadOnlyCollection<CachedEntries> Entries => _entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal).ToArray();

    public void Reset()
    {
        _entries.Clear();
        TokensSeen = 0;
        Batch = null;
        Module = null;
    }

    internal CachedEntries? Find(Operation op, string path) => _entries.TryGetValue((op, path), out var e) ? e : null;

    internal void Commit(Module module, IReadOnlyDictionary<(Operation Op, string Path), CachedEntries> staged, long newTokens, int batch)
    {
        Module = module;
        foreach (var kv in staged) _entries[kv.Key] = kv.Value;
        TokensSeen += newTokens;
        if (staged.Count > 0 || newTokens > 0) Batch = batch;
    }
}
