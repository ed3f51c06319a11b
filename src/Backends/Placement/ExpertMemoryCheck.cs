using System;
using System.Globalization;

namespace GraphDsl.Backends.Placement;

/// <summary>Expert bytes a plan puts on a GPU against the bytes it may use for them.</summary>
public static class ExpertMemoryCheck
{
    /// <summary>Routed-expert bytes on each GPU: every layer's slots (every GPU has the same count).</summary>
    public static double BytesPerGpu(PlacementPlan plan, ExpertMemory memory) => (double)plan.Layers.Count * plan.SlotsPerGpu * memory.ExpertBytes;

    /// <summary>Throws when a GPU would hold more expert bytes than its budget; the message says how many slots would fit.</summary>
    public static void Check(PlacementPlan plan, ExpertMemory memory)
    {
        double need = BytesPerGpu(plan, memory);
        if (need <= memory.GpuBudgetBytes) return;
        double perSlot = plan.Layers.Count * memory.ExpertBytes;
        long fit = memory.GpuBudgetBytes <= 0 ? 0 : (long)Math.Floor(memory.GpuBudgetBytes / perSlot);
        var hint = fit >= 1
            ? $"at most {fit} expert(s) per layer fit on a GPU: use more GPUs, a smaller weight format, fewer redundant experts, or offload{{gpu_slots={fit}}}"
            : "not even one expert per layer fits: the other weights leave no room";
        throw new PlacementException(PlacementProblem.Memory, string.Format(CultureInfo.InvariantCulture,
            "{0}: each GPU would hold {1} layers x {2} experts x {3:0.0} MB = {4:0.00} GB of expert weights, more than the {5:0.00} GB it has free for them; {6}",
            plan.Strategy, plan.Layers.Count, plan.SlotsPerGpu, memory.ExpertBytes / 1e6, need / 1e9, memory.GpuBudgetBytes / 1e9, hint));
    }
}
