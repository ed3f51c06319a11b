namespace GraphDsl.Backends.Placement.Tests;

/// <summary>Plans must fit the expert bytes each GPU can give; violations are rejected with what would fit.</summary>
public class MemoryTests
{
    [Fact]
    public void A_plan_within_the_budget_is_accepted_and_uses_at_most_the_budget()
    {
        var stats = Fixtures.Zipf(4, 256, 8, 1.2);
        // 4 layers x 9 slots x 44 MB (DeepSeek-V3 expert in FP8) = 1.58 GB; budget exactly that.
        var memory = new ExpertMemory(44_040_192, 4 * 9 * 44_040_192.0);
        var plan = ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Redundant = 32, Memory = memory });
        Assert.True(ExpertMemoryCheck.BytesPerGpu(plan, memory) <= memory.GpuBudgetBytes);
    }

    [Fact]
    public void A_plan_over_the_budget_is_rejected_with_the_slots_that_would_fit()
    {
        var stats = Fixtures.Zipf(4, 256, 8, 1.2);
        var memory = new ExpertMemory(44_040_192, 4 * 9 * 44_040_192.0 - 1);
        var e = Assert.Throws<PlacementException>(() =>
            ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Redundant = 32, Memory = memory }));
        Assert.Equal(PlacementProblem.Memory, e.Problem);
        Assert.Contains("each GPU would hold 4 layers x 9 experts x 44.0 MB", e.Message);
        Assert.Contains("at most 8 expert(s) per layer fit on a GPU", e.Message);
        Assert.Contains("offload{gpu_slots=8}", e.Message);
    }

    [Fact]
    public void Redundant_replicas_cost_memory_so_a_budget_can_allow_round_robin_but_not_eplb()
    {
        var stats = Fixtures.Zipf(4, 256, 8, 1.2);
        var memory = new ExpertMemory(1e6, 4 * 8 * 1e6);
        ExpertPlacer.Place("round-robin", stats, new PlacementOptions { Gpus = 32, Memory = memory });
        Assert.Throws<PlacementException>(() => ExpertPlacer.Place("eplb", stats, new PlacementOptions { Gpus = 32, Redundant = 32, Memory = memory }));
        Assert.Throws<PlacementException>(() => ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 32, GpuSlots = 9, Memory = memory }));
        ExpertPlacer.Place("offload", stats, new PlacementOptions { Gpus = 32, GpuSlots = 8, Memory = memory });
    }

    [Fact]
    public void Model_facts_give_the_expert_bytes_and_the_budget()
    {
        var facts = MoeExpertFacts.Of(Fixtures.Model("deepseek-v3"), GraphDsl.Ir.Types.DType.Fp8E4M3);
        // 3 matrices of 7168 x 2048 at one byte.
        Assert.Equal(3.0 * 7168 * 2048, facts.BytesPerExpert);
        Assert.Equal(3.0 * 7168 * 2048, facts.ParamsPerExpert);
        Assert.Equal(8, facts.Groups);
        Assert.Equal(7168, facts.Dim);
        // Non-expert weights of V3 (~17B parameters: attention, shared experts, dense layers, embeddings) in FP8.
        Assert.InRange(facts.NonExpertWeightBytes / 1e9, 10, 25);
    }
}
