using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>
/// The paged KV cache: blocks of <see cref="BlockTokens"/> tokens (vLLM's default block size, 16), as many as the memory
/// left per GPU after weights, workspace and the runtime's reserve holds, the same per-GPU memory plan <c>predict</c> uses
/// (<see cref="MemoryPlan"/>), over every data-parallel replica.
/// </summary>
public sealed class KvCache
{
    public const int BlockTokens = 16;

    private KvCache(long blocks, double bytesPerToken, MemoryPlan plan)
    {
        TotalBlocks = blocks; BytesPerToken = bytesPerToken; Plan = plan;
        // vLLM's block manager admits a request only while 1% of the blocks stay free (its watermark), so the running
        // decodes are not preempted by the next admission at once.
        WatermarkBlocks = (long)Math.Ceiling(0.01 * blocks);
    }

    public long TotalBlocks { get; }
    /// <summary>Blocks held: by requests, and by cached prefixes (<see cref="Prefixes"/>), evictable ones included.</summary>
    public long UsedBlocks { get; private set; }
    /// <summary>Blocks an allocation may take: the unheld ones and the evictable cached prefixes'.</summary>
    public long FreeBlocks => TotalBlocks - UsedBlocks + (Prefixes?.EvictableBlocks ?? 0);
    /// <summary>Blocks requests use (their own and the cached prefixes they reference): the utilisation's numerator.</summary>
    public long ActiveBlocks => UsedBlocks - (Prefixes?.EvictableBlocks ?? 0);

    /// <summary>The prefix cache, when prefix caching is on (null otherwise).</summary>
    public PrefixCache? Prefixes { get; private set; }

    /// <summary>Turns prefix caching on (before anything is allocated).</summary>
    public KvCache WithPrefixCaching()
    {
        if (UsedBlocks != 0) throw new InvalidOperationException("prefix caching is turned on before the cache is used");
        Prefixes = new PrefixCache();
        return this;
    }
    public long WatermarkBlocks { get; }
    /// <summary>KV bytes one token takes on the fullest GPU.</summary>
    public double BytesPerToken { get; }
    /// <summary>The memory plan the capacity comes from (one sequence at the workload's longest request).</summary>
    public MemoryPlan Plan { get; }
    public long TokenCapacity => TotalBlocks * BlockTokens;

    /// <summary>Why a request of <paramref name="longestRequest"/> tokens (prompt + output) can never fit in the whole cache, or
    /// null (also when the workload's lengths are unbounded).</summary>
    public string? CannotHold(long? longestRequest) =>
        longestRequest is { } longest && BlocksFor(longest) > TotalBlocks
            ? $"a request of {longest} tokens (prompt + output) needs {BlocksFor(longest)} KV blocks of {BlockTokens} tokens, "
                + $"but the memory left after weights holds {TotalBlocks} ({TokenCapacity} tokens at {BytesPerToken / 1e3:F1} KB per token per GPU)"
            : null;

    /// <summary>A cache of the same size with no block in use: another instance of the same deployment.</summary>
    public KvCache Empty() => Prefixes is null ? new(TotalBlocks, BytesPerToken, Plan) : new KvCache(TotalBlocks, BytesPerToken, Plan).WithPrefixCaching();

    public static long BlocksFor(long tokens) => (tokens + BlockTokens - 1) / BlockTokens;

    /// <summary>Takes <paramref name="blocks"/> (at most <see cref="FreeBlocks"/>), evicting the least recently used
    /// unreferenced prefixes while the unheld blocks are too few.</summary>
    public void Allocate(long blocks)
    {
        UsedBlocks += blocks;
        while (UsedBlocks > TotalBlocks && Prefixes is { } p && p.EvictOne() is var freed and > 0) UsedBlocks -= freed;
    }
    public void Release(long blocks) => UsedBlocks -= blocks;

    /// <summary>The cache of a deployment, sized at requests of <paramref name="length"/> tokens (the per-token bytes of
    /// sliding-window layers depend on it); null with the reason when the weights leave no room for one block.</summary>
    public static KvCache? For(CompiledDeployment compiled, Cluster cluster, EfficiencyProfile eff, long length, out string? reason)
    {
        var plan = compiled.DecodePlan;
        var memory = MemoryPlan.For(plan, cluster, eff, 1, length, length);
        double room = memory.CapacityBytes - memory.ReserveBytes - memory.WeightBytes - memory.ActivationBytes;
        // A recurrent state (state-space layers) is per sequence: spread over the request length it is sized for.
        double perToken = (memory.KvBytesPerSequence + memory.StateBytesPerSequence) / Math.Max(1, length);
        int replicas = Math.Max(1, plan.Layout.Dp);
        if (room <= 0)
        {
            reason = memory.Reasons.Count > 0 ? memory.Reasons[0]
                : $"the weights ({memory.WeightBytes / 1e9:F1} GB per GPU), workspace and runtime reserve leave no memory for the KV cache";
            return null;
        }
        long blocks = perToken <= 0 ? long.MaxValue / 4 : (long)Math.Min(long.MaxValue / 4, Math.Floor(room / perToken / BlockTokens) * replicas);
        if (blocks < 1)
        {
            reason = $"{room / 1e9:F2} GB per GPU are left for the KV cache, less than one block of {BlockTokens} tokens ({perToken * BlockTokens / 1e6:F1} MB)";
            return null;
        }
        reason = null;
        return new KvCache(blocks, perToken, memory);
    }
}
