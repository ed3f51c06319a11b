using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Placement;

/// <summary>
/// The two primitives of DeepSeek's EPLB (github.com/deepseek-ai/EPLB, eplb.py), deterministic: ties go
/// to the lowest index, sorts are stable.
/// </summary>
public static class BalancedPacking
{
    /// <summary>
    /// Packs n weighted items into <paramref name="packs"/> packs of exactly n / packs items each, heaviest
    /// item first into the lightest pack that has room (EPLB's balanced_packing: greedy longest-processing-
    /// time with equal counts). Returns each item's pack and its rank inside the pack (order of arrival).
    /// </summary>
    public static (int[] Pack, int[] Rank) Pack(double[] weights, int packs)
    {
        int n = weights.Length;
        if (packs < 1 || n % packs != 0) throw new ArgumentException($"{n} items cannot be split evenly into {packs} packs");
        int per = n / packs;
        var pack = new int[n];
        var rank = new int[n];
        var count = new int[packs];
        // The packs with room by (load, index): the lightest first, ties to the lowest index. A scan of every pack per item
        // made this packs x items, quadratic in the GPUs when each holds one slot (4,096 GPUs took 8 s, 65,536 did not end).
        var open = new PriorityQueue<int, (double Load, int Index)>(Enumerable.Range(0, packs).Select(p => (p, (0.0, p))));
        foreach (var item in Enumerable.Range(0, n).OrderByDescending(i => weights[i]).ThenBy(i => i))
        {
            open.TryDequeue(out int best, out var key);
            pack[item] = best;
            rank[item] = count[best]++;
            if (count[best] < per) open.Enqueue(best, (key.Load + weights[item], best));
        }
        return (pack, rank);
    }

    /// <summary>
    /// Replicates n logical experts into <paramref name="physical"/> physical ones so that the largest
    /// per-replica load is as small as possible: each extra replica goes to the expert whose replicas
    /// currently carry the most each (EPLB's replicate_experts). Physical i &lt; n is logical i; the extras
    /// follow in the order chosen. Returns the logical expert of each physical one and the replica counts.
    /// </summary>
    public static (int[] PhysicalToLogical, int[] Counts) Replicate(double[] weights, int physical)
    {
        int n = weights.Length;
        if (physical < n) throw new ArgumentException($"{physical} physical experts cannot hold {n} logical ones");
        var map = new int[physical];
        var counts = new int[n];
        for (int i = 0; i < n; i++) { map[i] = i; counts[i] = 1; }
        // The experts by their load per replica, the most first, ties to the lowest index (a scan of every expert per replica
        // was replicas x experts).
        var byLoad = new PriorityQueue<int, (double NegativeShare, int Index)>(Enumerable.Range(0, n).Select(e => (e, (-weights[e], e))));
        for (int i = n; i < physical; i++)
        {
            int best = byLoad.Dequeue();
            map[i] = best;
            counts[best]++;
            byLoad.Enqueue(best, (-(weights[best] / counts[best]), best));
        }
        return (map, counts);
    }
}
