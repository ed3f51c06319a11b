using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Types;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// vLLM's and SGLang's own attention kernels' law (hardware.json <c>measured.engines.NAME.attention_law</c>, fitted by
/// tools/KernelFit on each engine's AIConfigurator context- and generation-attention tables): under the engine's profile the
/// cost model's attention time against rows of those tables at Qwen3-30B-A3B's attention shape (32 query and 4 KV heads of
/// 128, bf16 KV), and the fallback to the old pricing where a device has no law of the engine's.
/// </summary>
public class EngineAttentionLawTests
{
    private static double AttentionUs(string device, string profile, CostPhase phase, double batch, double seq, double ctx) =>
        AttentionKernelTimeTests.AttentionUs(device, phase, batch, seq, ctx, EfficiencyProfile.Find(profile)!);

    /// <summary>Context-attention rows (bf16 queries and KV), microseconds: vLLM 0.19.0 on the B200 (FlashInfer), SGLang 0.5.9
    /// on the H100 (FlashAttention). The engine's law is within 20% of each (0.84-1.05x).</summary>
    [Theory]
    [InlineData("b200", "vllm", 1, 128, 9.04)]
    [InlineData("b200", "vllm", 64, 128, 66.22)]
    [InlineData("b200", "vllm", 8, 1024, 100.86)]
    [InlineData("b200", "vllm", 4, 2048, 138.67)]
    [InlineData("b200", "vllm", 1, 16384, 1689.75)]
    [InlineData("h100-sxm", "sglang", 1, 128, 12.94)]
    [InlineData("h100-sxm", "sglang", 64, 128, 109.92)]
    [InlineData("h100-sxm", "sglang", 8, 1024, 189.31)]
    [InlineData("h100-sxm", "sglang", 4, 2048, 289.48)]
    [InlineData("h100-sxm", "sglang", 1, 16384, 3668.89)]
    public void Prefill_attention_follows_the_engines_context_table(string device, string profile, int prompts, int tokens, double tableUs)
    {
        double ratio = AttentionUs(device, profile, CostPhase.Prefill, prompts, tokens, tokens) / tableUs;
        Assert.InRange(ratio, 0.8, 1.2);
    }

    /// <summary>Generation-attention rows (bf16 KV; context = the table's isl + step), microseconds. Within 0.9-1.5x (0.97-1.43x):
    /// above the table where many sequences share a short context (1,024 x 256: the per-(sequence x KV head) time is a median
    /// over shapes, and the model's bytes add the query and output) and where a small cache stays in L2 between the collector's
    /// repetitions (8 x 4,096 on the B200: 67 MB), as with TensorRT-LLM's law.</summary>
    [Theory]
    [InlineData("b200", "vllm", 1, 128, 6.87)]
    [InlineData("b200", "vllm", 8, 4096, 12.39)]
    [InlineData("b200", "vllm", 64, 1024, 27.01)]
    [InlineData("b200", "vllm", 256, 512, 45.55)]
    [InlineData("h100-sxm", "sglang", 1, 128, 11.64)]
    [InlineData("h100-sxm", "sglang", 8, 4096, 37.53)]
    [InlineData("h100-sxm", "sglang", 256, 1024, 206.52)]
    [InlineData("h100-sxm", "sglang", 1024, 256, 231.51)]
    [InlineData("h100-sxm", "sglang", 128, 4096, 367.16)]
    public void Decode_attention_follows_the_engines_generation_table(string device, string profile, int sequences, int context, double tableUs)
    {
        double ratio = AttentionUs(device, profile, CostPhase.Decode, sequences, 1, context) / tableUs;
        Assert.InRange(ratio, 0.9, 1.5);
    }

    [Fact]
    public void A_profile_takes_its_engines_own_law_and_no_other_engines()
    {
        var b200 = Models.Catalog.Find("b200")!;
        Assert.Same(b200.Attention, b200.AttentionFor());
        var vllm = b200.AttentionFor("vllm")!;
        Assert.Equal(0.747, vllm.EtaMax);
        Assert.Equal(6.8e-6, vllm.DecodeFixedSeconds, 12);
        Assert.NotEqual(b200.Attention, vllm);
        Assert.NotEqual(vllm, b200.AttentionFor("sglang"));
        // No law of the engine's: none (the old pricing), not TensorRT-LLM's.
        Assert.Null(Models.Catalog.Find("h800-sxm")!.AttentionFor("vllm"));
        Assert.Null(b200.AttentionFor("no-such-engine"));
    }

    [Fact]
    public void An_engine_without_its_own_law_keeps_the_old_pricing()
    {
        // The H800 has TensorRT-LLM's law (the H100's) but no vLLM tables: vLLM's profile keeps eta_attention and the attention
        // kernel's fixed latency.
        var vllm = EfficiencyProfile.Find("vllm")!;
        var h800 = Models.Catalog.Find("h800-sxm")!;
        Assert.NotNull(h800.Attention);
        double flops = 4.0 * 32 * 2048 * 2049 / 2 * (4 * 128 + 5);
        double expected = flops / (StepEvaluator.PeakFor(h800, MathType.Bf16) * vllm.EtaAttention) * 1e6
            + (h800.FixedLatencyFor("attention", MathType.Bf16, "vllm") ?? vllm.KernelSeconds) * 1e6;
        Assert.Equal(expected, AttentionUs("h800-sxm", "vllm", CostPhase.Prefill, 4, 2048, 2048), 1);
        Assert.NotEqual(expected, AttentionUs("h800-sxm", "trtllm", CostPhase.Prefill, 4, 2048, 2048), 1);
    }

    private const string Law = "{\"eta_max\": 0.6, \"half_tokens\": 500, \"tile_ns\": 10, \"prefill_fixed_us\": 10, \"kv_head_ns\": 20, \"decode_fixed_us\": 12, \"kv_hbm_fraction\": 0.8}";

    /// <summary>A one-device file whose vLLM block holds <paramref name="law"/> as its attention law.</summary>
    private static HardwareCatalog WithVllmLaw(string law)
    {
        var json = "{\"devices\": [{\"id\": \"x\", \"vendor\": \"nvidia\", \"memory_bytes\": 1e10, \"hbm_bandwidth_gbps\": 1000, \"peak_tflops\": {\"bf16\": 100}, "
            + "\"intra_node\": {\"unidirectional_gbps\": 100}, \"measured\": {\"engines\": {\"vllm\": {\"version\": \"0.14.0\", \"attention_law\": " + law + "}}}}]}";
        var catalog = new HardwareCatalog();
        catalog.Add(new System.IO.MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "x.json");
        return catalog;
    }

    [Fact]
    public void A_device_file_gives_an_engine_its_law_and_names_a_bad_one()
    {
        var x = WithVllmLaw(Law).Find("x")!;
        var law = x.AttentionFor("vllm")!;
        Assert.Equal((0.6, 500, 0.8), (law.EtaMax, law.HalfTokens, law.KvBandwidthFraction));
        // Nanoseconds and microseconds in the file, seconds in the law.
        Assert.Equal(10e-9, law.TileSeconds, 15);
        Assert.Equal(10e-6, law.PrefillFixedSeconds, 15);
        Assert.Equal(20e-9, law.KvHeadSeconds, 15);
        Assert.Equal(12e-6, law.DecodeFixedSeconds, 15);
        Assert.Null(x.AttentionFor("sglang"));
        var bad = Assert.Throws<HardwareFileException>(() => WithVllmLaw(Law.Replace("0.6", "1.5")));
        Assert.Equal("x.json: devices[0] ('x'): measured.engines.vllm.attention_law.eta_max must be a number in (0, 1]", bad.Message);
    }
}
