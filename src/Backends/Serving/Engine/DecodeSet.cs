namespace GraphDsl.Backends.Serving.Engine;

/// <summary>
/// The decoding requests, kept so that a decode step costs O(1) whatever the batch: every decode step gives each of them
/// one token, so with the engine's count of decode steps (the epoch G) a request that joined at epoch G0 with K cached
/// tokens holds K + G - G0 of them. The sum of their contexts is S + n (G + 1) with S the sum of K - G0; a request needs
/// a new KV block in the step at epoch G exactly when its cache length K + G - G0 is a multiple of the block size, so a
/// count per residue of (K - G0) modulo the block size gives the step's new blocks; and a heap keyed by the epoch at
/// which each finishes gives the completions. Nothing here walks the batch.
/// </summary>
internal sealed class DecodeSet
{
    private readonly long _blockTokens;
    private readonly long[] _perResidue;
    private long _offsetSum;

    public DecodeSet(int blockTokens)
    {
        _blockTokens = blockTokens;
        _perResidue = new long[blockTokens];
    }

    public MinHeap Finishing { get; } = new();
    public long Count { get; private set; }

    public void Add(ref RequestState r, int index)
    {
        long offset = r.KvAtJoin - r.JoinEpoch;
        _offsetSum += offset;
        _perResidue[Residue(offset)]++;
        Count++;
        Finishing.Push(r.JoinEpoch + r.Output - r.Generated, index, r.Version);
    }

    /// <summary>Takes a request out (finished or preempted); its heap entry goes stale with its version.</summary>
    public void Remove(in RequestState r)
    {
        long offset = r.KvAtJoin - r.JoinEpoch;
        _offsetSum -= offset;
        _perResidue[Residue(offset)]--;
        Count--;
    }

    /// <summary>Cached tokens of a decoding request at <paramref name="epoch"/>.</summary>
    public static long CacheLength(in RequestState r, long epoch) => r.KvAtJoin + epoch - r.JoinEpoch;

    /// <summary>The sum of the contexts the next decode step attends over (each cache with its new token).</summary>
    public double ContextSumAt(long epoch) => _offsetSum + (double)Count * (epoch + 1);

    /// <summary>KV blocks the decode step at <paramref name="epoch"/> adds: one per request whose cache fills its last block.</summary>
    public long NewBlocksAt(long epoch) => _perResidue[Residue(-epoch)];

    private int Residue(long x) => (int)(((x % _blockTokens) + _blockTokens) % _blockTokens);
}
