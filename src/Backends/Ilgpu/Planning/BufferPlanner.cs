using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Ilgpu.Planning;

/// <summary>What the planner decided: the arena size and the sizes it replaces.</summary>
public sealed record BufferPlan(long PeakBytes, long TotalBytes, int Buffers);

/// <summary>
/// Places the step's intermediates in one arena by liveness: a slot lives from the instruction that
/// first writes it to the last that reads it, and two slots may share bytes only when their lifetimes
/// are disjoint. Greedy by size (largest first, each at the lowest offset free over its lifetime), as
/// TensorFlow Lite's arena planner does; offsets are aligned to 256 bytes.
/// </summary>
internal static class BufferPlanner
{
    public const int AlignFloats = 64;

    public static BufferPlan Plan(IReadOnlyList<Slot> slots, int instructions)
    {
        var placed = new List<Slot>();
        long peak = 0, total = 0;
        foreach (var s in slots)
        {
            if (s.Born < 0) s.Born = 0;
            if (s.Dies < s.Born) s.Dies = s.Born;
            if (s.Pinned) s.Dies = instructions;
        }
        foreach (var s in slots.OrderByDescending(s => s.Length).ThenBy(s => s.Id))
        {
            long size = Align(s.Length);
            total += s.Length * 4;
            long offset = 0;
            // The placed slots alive at the same time, by offset: take the first gap that fits.
            foreach (var other in placed.Where(o => o.Born <= s.Dies && s.Born <= o.Dies).OrderBy(o => o.Offset))
            {
                if (offset + size <= other.Offset) break;
                offset = Math.Max(offset, other.Offset + Align(other.Length));
            }
            s.Offset = offset;
            placed.Add(s);
            peak = Math.Max(peak, offset + size);
        }
        return new BufferPlan(peak * 4, total, slots.Count);
    }

    private static long Align(long floats) => Math.Max(AlignFloats, (floats + AlignFloats - 1) / AlignFloats * AlignFloats);
}
