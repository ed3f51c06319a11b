using System;
using System.Collections.Generic;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>
/// Automatic prefix caching (vLLM's <c>--enable-prefix-caching</c>, SGLang's radix cache), keyed by the trace's shared-prefix
/// ids: the first request with an id computes the prefix, and when its prefill completes the prefix's whole blocks become
/// an entry of this cache, held once however many requests use it. A later request with the id is a hit: its prefill
/// starts after the cached tokens (at most its prompt less one token, which is always recomputed to sample from, as vLLM
/// does; whole blocks only) and it references the entry's blocks instead of holding its own. An entry no request references
/// stays cached, its blocks evictable: the KV cache counts them free and evicts the least recently used entries when
/// an allocation needs their room (<see cref="KvCache.Allocate"/>). Memory is bounded by the cache: every entry holds at
/// least one block.
/// </summary>
public sealed class PrefixCache
{
    private sealed class Entry
    {
        public long Blocks;
        public int References;
        public LinkedListNode<long>? Unused;
    }

    private readonly Dictionary<long, Entry> _entries = new();
    /// <summary>Entries no request references, least recently used first.</summary>
    private readonly LinkedList<long> _unused = new();

    /// <summary>Blocks of entries no request references (evictable).</summary>
    public long EvictableBlocks { get; private set; }

    /// <summary>Blocks of every entry.</summary>
    public long CachedBlocks { get; private set; }

    /// <summary>Prompt tokens of the prefills admitted (the hit rate's denominator, as vLLM's query tokens).</summary>
    public long QueriedTokens { get; private set; }

    /// <summary>Tokens found cached at admission (prefills skipped).</summary>
    public long HitTokens { get; private set; }

    /// <summary>Admissions that found their prefix cached.</summary>
    public long Hits { get; private set; }

    /// <summary>Entries evicted to make room.</summary>
    public long Evictions { get; private set; }

    /// <summary>Entries cached now.</summary>
    public int Entries => _entries.Count;

    /// <summary>The cached tokens a prefill of <paramref name="target"/> tokens with prefix <paramref name="prefix"/> would skip
    /// (0 for none), and the evictable blocks referencing it would take from the free ones.</summary>
    public (long Tokens, long Reclaimed) Lookup(long prefix, long target)
    {
        if (prefix == 0 || !_entries.TryGetValue(prefix, out var e)) return (0, 0);
        long blocks = Math.Min(e.Blocks, (target - 1) / KvCache.BlockTokens);
        return (blocks * KvCache.BlockTokens, e.References == 0 ? e.Blocks : 0);
    }

    /// <summary>A prefill of <paramref name="target"/> tokens is admitted with <paramref name="hitTokens"/> of them cached
    /// (from <see cref="Lookup"/>): counted, and the entry referenced when there is a hit.</summary>
    public void Admitted(long prefix, long target, long hitTokens)
    {
        QueriedTokens += target;
        if (hitTokens == 0) return;
        HitTokens += hitTokens;
        Hits++;
        Reference(_entries[prefix]);
    }

    /// <summary>A request with prefix <paramref name="prefix"/> has computed its first <paramref name="tokens"/> tokens (the
    /// prefix's length): their whole blocks become the prefix's entry, referenced by the request, when the prefix is not
    /// cached yet. Returns the blocks the request now shares instead of holding (0 when it keeps them).</summary>
    public long Computed(long prefix, long tokens)
    {
        long blocks = tokens / KvCache.BlockTokens;
        if (prefix == 0 || blocks == 0 || _entries.ContainsKey(prefix)) return 0;
        _entries[prefix] = new Entry { Blocks = blocks, References = 1 };
        CachedBlocks += blocks;
        return blocks;
    }

    /// <summary>A request sharing the prefix's blocks left (finished or preempted).</summary>
    public void Release(long prefix)
    {
        var e = _entries[prefix];
        if (--e.References > 0) return;
        e.Unused = _unused.AddLast(prefix);
        EvictableBlocks += e.Blocks;
    }

    /// <summary>Evicts the least recently used unreferenced entry; its blocks, or 0 when none is evictable.</summary>
    public long EvictOne()
    {
        if (_unused.First is not { } node) return 0;
        _unused.RemoveFirst();
        var e = _entries[node.Value];
        _entries.Remove(node.Value);
        EvictableBlocks -= e.Blocks;
        CachedBlocks -= e.Blocks;
        Evictions++;
        return e.Blocks;
    }

    private void Reference(Entry e)
    {
        if (e.References++ > 0) return;
        _unused.Remove(e.Unused!);
        e.Unused = null;
        EvictableBlocks -= e.Blocks;
    }
}
