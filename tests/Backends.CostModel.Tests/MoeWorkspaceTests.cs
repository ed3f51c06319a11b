using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// The memory plan's workspace counts the buffers the engines' fused MoE allocates for the largest step (docs/cost-model.md
/// "Memory plan"): hand counts for DeepSeek-V3 at TP8 under TensorRT-LLM's CUTLASS layout and vLLM's Triton layout, the
/// Triton chunk, no workspace where the profile sources none, and the same term for a fused and an unfused MoE.
/// </summary>
public class MoeWorkspaceTests
{
    // DeepSeek-V3: hidden 7168, top-8 of 256 gated experts of 2048 columns, split 8 ways by TP8 (256 per GPU), bf16 rows;
    // every GPU runs all 8,192 tokens of the largest step (max_batched_tokens), so 65,536 token-expert copies.
    private const double Copies = 8192.0 * 8, Dim = 7168, HiddenPerGpu = 2048 / 8, Bf16 = 2;

    [Fact]
    public void DeepSeek_v3_at_tp8_counts_the_cutlass_workspace_once_beside_the_moe_input_and_output()
    {
        var profile = EfficiencyProfile.Find("trtllm")!;
        var predictor = Models.Predictor("deepseek-v3", "h200-sxm", new Deployment(new ParallelLayout(8), "fp8"), profile);
        // Permuted input (hidden) overlapped with the fc2 result, fc1 result (2 x 256) overlapped with the fc2 result (hidden),
        // and three int32 row maps per copy.
        double cutlass = Copies * (Bf16 * (System.Math.Max(Dim, HiddenPerGpu) + System.Math.Max(2 * HiddenPerGpu, Dim)) + 12);
        Assert.Equal(1_879_834_624, cutlass);
        Assert.Equal(cutlass, MoeWorkspace.Largest(predictor.Compiled.DecodePlan, profile));

        // Live with the MoE layer's own input and output (8,192 rows of 7168 bf16 each), once, not per layer (58 MoE layers),
        // and the shared expert's gated product (8,192 rows of its 256-wide slice): its down projection joins the routed
        // experts' partial sum inside the fused MoE kernel, before the layer's one all-reduce.
        var memory = predictor.Predict(new Workload(8, 1024, 4096), details: false).Memory;
        Assert.Equal(cutlass + 2 * 8192 * Dim * Bf16 + 8192 * HiddenPerGpu * Bf16, memory.ActivationBytes);
    }

    [Fact]
    public void DeepSeek_v3_at_tp8_counts_vllm_triton_caches()
    {
        var profile = EfficiencyProfile.Find("vllm")!;
        var predictor = Models.Predictor("deepseek-v3", "h200-sxm", new Deployment(new ParallelLayout(8), "fp8"), profile);
        // cache13 = max(N = 512, K = 7168) and intermediate_cache2 = N/2 = 256 per copy.
        double triton = Copies * Bf16 * (Dim + HiddenPerGpu);
        Assert.Equal(973_078_528, triton);
        Assert.Equal(triton, MoeWorkspace.Largest(predictor.Compiled.DecodePlan, profile));
    }

    [Fact]
    public void The_triton_kernel_chunks_its_rows_and_a_profile_without_a_sourced_kernel_counts_none()
    {
        var vllm = EfficiencyProfile.Find("vllm")!;
        Assert.Equal(32768, vllm.MoeChunkTokens);
        // 65,536 rows (8 data-parallel replicas' 8,192 tokens) are run as chunks of 32,768, the buffers sized for one.
        double chunked = MoeWorkspace.Bytes(vllm, 65536, 8, 4096, 1536, gated: true, 2);
        Assert.Equal(MoeWorkspace.Bytes(vllm, 32768, 8, 4096, 1536, gated: true, 2), chunked);
        Assert.Equal(32768.0 * 8 * 2 * (4096 + 1536), chunked);
        // SGLang's chunk is 64 x 1024, TensorRT-LLM's CUTLASS MoE does not chunk below the step.
        Assert.Equal(65536.0 * 8 * 2 * (4096 + 1536), MoeWorkspace.Bytes(EfficiencyProfile.Find("sglang")!, 65536, 8, 4096, 1536, gated: true, 2));
        // Ungated experts: TensorRT-LLM keeps the permuted input and the fc1 result side by side.
        Assert.Equal(100.0 * 2 * (2 * (4096 + 1536) + 12), MoeWorkspace.Bytes(EfficiencyProfile.Find("trtllm")!, 100, 2, 4096, 1536, gated: false, 2));

        var gptFast = EfficiencyProfile.Find("gpt-fast")!;
        Assert.Equal(MoeWorkspaceKernel.None, gptFast.MoeWorkspace);
        Assert.Equal(0, MoeWorkspace.Bytes(gptFast, 65536, 8, 4096, 1536, gated: true, 2));
    }

    [Fact]
    public void An_all_to_all_brings_a_gpu_the_rows_with_one_of_its_experts_k_copies_each()
    {
        // One GPU holds every expert: it gets every row.
        Assert.Equal(1, MoeWorkspace.ReceivedShare(256, 1, 8));
        // DeepSeek-V3 over EP16: a row misses a GPU's 16 experts when its 8 picks fall among the other 240.
        double miss = 1.0;
        for (int i = 0; i < 8; i++) miss *= (240.0 - i) / (256 - i);
        Assert.Equal(1 - miss, MoeWorkspace.ReceivedShare(256, 16, 8), 12);
        Assert.InRange(MoeWorkspace.ReceivedShare(256, 16, 8), 0.40, 0.41);

        // Qwen3-30B-A3B (128 experts, top-8, hidden 2048, 768 columns) at DP2/EP2 with the all-to-all: this GPU's 8,192 rows
        // and its peer's, each with probability ReceivedShare(128, 2, 8), under vLLM's Triton layout.
        var profile = EfficiencyProfile.Find("vllm")!;
        var predictor = Models.Predictor("qwen3-30b-a3b", "h100-sxm", new Deployment(new ParallelLayout(1, 2, 2, 1) { MoeComm = MoeCommunication.AllToAll }, "fp8"), profile, passes: "");
        var moe = System.Array.Find(predictor.Compiled.DecodePlan.Entries, e => e.IsMoe)!;
        Assert.Equal(2, moe.TokenGroups);
        double rows = 8192 * 2 * MoeWorkspace.ReceivedShare(128, 2, 8);
        Assert.Equal(rows * 8 * 2 * (2048 + 768), MoeWorkspace.Largest(predictor.Compiled.DecodePlan, profile), 6);
    }

    /// <summary>An encoder's MoE layer runs batch x ctx rows. The largest step was taken as 8,192 one-token sequences
    /// whose context was also 8,192, so Switch-C's encoder counted 8,192 x 8,192 x 8 rows: a 5,539 GB workspace at
    /// tp=2 ep=8 dp=8 (no engine allocates that; an encoder step holds max_batched_tokens tokens per replica).</summary>
    [Fact]
    public void Switch_c_encoder_moe_workspace_is_sized_for_the_steps_tokens_not_tokens_squared()
    {
        var profile = EfficiencyProfile.Find("default")!;
        var predictor = Models.Predictor("switch-c-2048", "h100-sxm", new Deployment(new ParallelLayout(2, 8, 8)), profile, nodes: 2);
        // All-gathered MoE input: the 8 replicas' 8,192 tokens, top-1, ungated experts of hidden 2080 and 6144 / tp = 3072
        // columns: TensorRT-LLM's layout keeps the permuted input and the fc1 result side by side, plus three int32 row maps.
        double cutlass = 8192.0 * 8 * (Bf16 * (2080 + 3072) + 12);
        Assert.Equal(676_069_376, cutlass);
        Assert.Equal(cutlass, MoeWorkspace.Largest(predictor.Compiled.DecodePlan, profile));
        // Batch 16 over 8 replicas: a 2 x 2,048-token prefill chunk, whose all-gathered MoE input and output are
        // 8 x 4,096 rows of 2080 bf16 each: 0.949 GB in all (the CLI said 5,538.63 GB).
        var memory = predictor.Predict(new Workload(16, 2048, 4096), details: false).Memory;
        Assert.Equal(cutlass + 2 * 8 * 4096 * 2080 * Bf16, memory.ActivationBytes);
        Assert.Equal(948_699_136, memory.ActivationBytes);
    }

    [Theory]
    [InlineData("mixtral-8x7b", 2, 1)]
    [InlineData("qwen3-30b-a3b", 2, 2)]
    public void A_fused_and_an_unfused_moe_count_the_same_workspace(string sample, int tp, int ep)
    {
        var profile = EfficiencyProfile.Find("vllm")!;
        var deployment = new Deployment(new ParallelLayout(tp, ep, 1, 1), "fp8");
        var fused = Models.Predictor(sample, "h100-sxm", deployment, profile);
        var unfused = Models.Predictor(sample, "h100-sxm", deployment, profile, passes: PassEffectTests.NoFusion);
        double moe = MoeWorkspace.Largest(fused.Compiled.DecodePlan, profile);
        Assert.True(moe > 0);
        Assert.Equal(moe, MoeWorkspace.Largest(unfused.Compiled.DecodePlan, profile));
        var w = new Workload(16, 2048, 4096);
        Assert.Equal(unfused.Predict(w, details: false).Memory.ActivationBytes, fused.Predict(w, details: false).Memory.ActivationBytes);
    }
}
