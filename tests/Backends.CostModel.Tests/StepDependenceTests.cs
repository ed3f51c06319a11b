using System;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Frontend;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// An encoder-decoder's decode step runs only the work that depends on the step's tokens (docs/cost-model.md,
/// "Step-invariant work"): the encoder and the cross-attention key/value projections of its output run once per request,
/// at prefill, and each sequence holds those keys and values for every step. Hand counts on Data/tiny-encdec.moe: d = 64,
/// 4 heads of 16, FFN 256, vocabulary 128, one encoder layer, two decoder layers whose cross-attention has 2 KV heads.
/// </summary>
public class StepDependenceTests
{
    private const double Context = 1000;

    private static Module TinyEncDec()
    {
        var r = Compiler.CompileFile(Path.Combine(AppContext.BaseDirectory, "Data", "tiny-encdec.moe"));
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        return r.Module!;
    }

    private static CompiledDeployment Compile(Module m, ParallelLayout layout)
    {
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(m, new Deployment(layout), "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        return compiled!;
    }

    /// <summary>The sum over <paramref name="entries"/> of a cost times the times a step runs it, at one workload.</summary>
    private static double Total(CostPlan plan, PlanEntry[] entries, Func<PlanEntry, CompiledPoly> cost, double batch, double seq, double ctx)
    {
        var atoms = new double[Math.Max(1, plan.Atoms.Count)];
        plan.Atoms.Evaluate(batch, seq, ctx, atoms);
        return entries.Sum(e => cost(e).Evaluate(atoms) * e.Multiplicity);
    }

    [Fact]
    public void The_decode_step_runs_the_decoder_for_the_new_token_and_not_the_encoder()
    {
        var plan = Compile(TinyEncDec(), new ParallelLayout()).DecodePlan;
        Assert.DoesNotContain(plan.Entries, e => e.Group == "encoder");
        // Per decoder layer and token: self-attention q, k, v (3 x 2 x 64 x 64) and o (2 x 64 x 64); cross-attention q and o
        // (2 x 2 x 64 x 64); FFN up and down (2 x 2 x 64 x 256) and its ReLU (256); three residual adds (3 x 64): 115,136.
        // Each attention sees the context's C keys with 4 query heads at 2 x 16 + 2 x 16 + 5 FLOPs a pair: 2 x 276 C.
        // Two layers, and the logits of the last token (2 x 64 x 128).
        double flops = 2 * (115_136 + 552 * Context) + 16_384;
        Assert.Equal(flops, Total(plan, plan.Entries, e => e.Flops, 1, 1, Context), 6);
        // The weights read: each layer's self-attention (4 x 64 x 64), cross-attention q and o (2 x 64 x 64) and FFN
        // (2 x 64 x 256) in bf16, not the cross-attention's wk and wv; the tied table for the logits (128 x 64) and the
        // embedding's one gathered row (64).
        double weights = 2 * 2 * (16_384 + 8_192 + 32_768) + 2 * (8_192 + 64);
        Assert.Equal(weights, Total(plan, plan.Entries, e => e.WeightBytes, 1, 1, Context), 6);
        // The cross-attention (the attention with 2 KV heads) reads its cached keys and values, C x 2 heads x (16 + 16) bf16
        // elements, with its query and output.
        var cross = plan.Entries.Where(e => e.Op == "nn.attention" && e.AttentionKvHeads == 2).ToArray();
        Assert.Single(cross);
        double read = Total(plan, cross, e => e.ActivationBytes, 1, 1, Context) + Total(plan, cross, e => e.KvBytes, 1, 1, Context);
        Assert.Equal(2 * (128 * Context + 2 * 64 * 2), read, 6);
    }

    [Fact]
    public void The_encoder_and_the_cross_attention_projections_run_once_per_request_at_prefill()
    {
        var compiled = Compile(TinyEncDec(), new ParallelLayout());
        // The encoder layer over C source tokens: q, k, v, o (4 x 2 x 64 x 64 C), bidirectional attention over C x C pairs with
        // 4 heads (276 C^2), two residual adds (128 C), the FFN (2 x 2 x 64 x 256 C + 256 C).
        double encoder = 32_768 * Context + 276 * Context * Context + 128 * Context + 65_792 * Context;
        // The cross-attention keys and values of both decoder layers: 2 x 2 x (2 x 64 x 32) C.
        double crossKv = 16_384 * Context;
        var decode = compiled.DecodePlan;
        Assert.Equal(encoder + crossKv, Total(decode, decode.RequestEntries, e => e.Flops, 1, 1, Context), 6);
        var prefill = compiled.PrefillPlan;
        Assert.Empty(prefill.RequestEntries);
        Assert.Equal(encoder, Total(prefill, prefill.Entries.Where(e => e.Group == "encoder").ToArray(), e => e.Flops, 1, Context, Context), 6);
        // The decoder layers' key/value projection kernel over the encoder output.
        Assert.Contains(prefill.Entries, e => e.Group == "decoder" && e.Op == "fused.kernel" && e.Multiplicity == 2
            && e.Source!.Operands[0].Type.Shape.ToString() == "[batch, ctx, 64]");
    }

    [Fact]
    public void Each_sequence_holds_the_cross_attention_keys_and_values_beside_its_kv_cache()
    {
        var compiled = Compile(TinyEncDec(), new ParallelLayout());
        var stage = compiled.DecodePlan.Stages.Single();
        // Self-attention: 2 layers x k and v x 4 heads x 16 x 2 bytes per token; cross-attention: 2 layers x 2 x 2 heads x 16 x 2.
        Assert.Equal(512, stage.KvBytesPerToken);
        Assert.Equal(256, stage.RequestCacheBytesPerToken);
        Assert.Equal(0, stage.RequestCacheBytesPerSequence);
        var predictor = new Predictor(compiled, new Cluster(Models.Catalog.Find("h100-sxm")!, 1, 1), EfficiencyProfile.Find("default")!);
        var memory = predictor.Memory(4, Context, Context);
        Assert.Equal(4 * 256 * Context, memory.RequestCacheBytes);
        Assert.Equal(4 * (512 + 256) * Context, memory.KvBytes);
        // Tensor parallelism splits the cross-attention's 2 KV heads like the self-attention's 4.
        var tp2 = Compile(TinyEncDec(), new ParallelLayout(Tp: 2)).DecodePlan.Stages.Single();
        Assert.Equal((256.0, 128.0), (tp2.KvBytesPerToken, tp2.RequestCacheBytesPerToken));
    }

    [Fact]
    public void Stats_count_the_decode_step_and_the_cache_alike_before_and_after_inlining()
    {
        var m = TinyEncDec();
        Assert.NotEmpty(m.Functions);
        foreach (var module in new[] { m, Compile(m, new ParallelLayout()).Module })
        {
            var stats = ModelStats.Compute(module, prompt: 2048, context: (long)Context);
            Assert.Equal(2 * (115_136 + 552 * Context) + 16_384, stats.DecodeFlopsPerToken, 6);
            Assert.Equal(256, stats.RequestCacheBytesPerToken);
            Assert.Equal(512, stats.KvBytesPerToken);
        }
    }

    [Theory]
    [InlineData("tiny-dense")]
    [InlineData("tiny-moe")]
    [InlineData("deepseek-v3")]
    public void A_decoder_only_model_runs_every_op_in_its_step_and_holds_nothing_more(string sample)
    {
        var m = Models.Sample(sample);
        var dependence = StepDependence.Analyze(m);
        Assert.True(dependence.HasStepInputs);
        Assert.DoesNotContain(dependence.Of, d => d == Dependence.PerRequest);
        Assert.Empty(dependence.Held);
    }

    [Fact]
    public void A_model_without_the_step_tokens_has_no_step_invariant_work()
    {
        var r = Compiler.Compile(new GraphDsl.Frontend.Syntax.SourceText("encoder-only.moe",
            "model EncoderOnly {\n  input x: f32[batch, ctx, 8]\n  weight w: [8, 8]\n  output y = nn.matmul(x, w)\n}\n"));
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        var dependence = StepDependence.Analyze(r.Module!);
        Assert.False(dependence.HasStepInputs);
        Assert.DoesNotContain(Enumerable.Range(0, dependence.Of.Count), dependence.OncePerRequest);
        Assert.Empty(dependence.Held);
    }

    [Fact]
    public void Switch_c_decode_step_holds_no_encoder_work()
    {
        var predictor = Models.Predictor("switch-c-2048", "h100-sxm", new Deployment(new ParallelLayout(Tp: 2, Ep: 8, Dp: 8)), nodes: 2);
        var decode = predictor.Compiled.DecodePlan;
        Assert.DoesNotContain(decode.Entries, e => e.Group is "encoder" or "encoder_final_norm");
        // The encoder's 15 MoE layers run at prefill; the decoder's 15 keep their layer numbers 15 to 29 (routing statistics).
        Assert.Equal(15, decode.RequestEntries.Where(e => e.IsMoe).Sum(e => e.Multiplicity));
        Assert.Equal(15, decode.Entries.Single(e => e.IsMoe).MoeLayerStart);
        // Per GPU (tp = 2: 15 of 30 heads): 15 layers x k and v x 15 heads x 64 x 2 bytes per source token.
        Assert.Equal(57_600, decode.Stages.Single().RequestCacheBytesPerToken);
    }
}
