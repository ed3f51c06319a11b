using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Passes.Core;
using GraphDsl.TestSupport;

namespace GraphDsl.Passes.Tests;

/// <summary>Illegal parallel layouts are rejected with the reason, never a broken IR.</summary>
public class ParallelizeErrorTests
{
    private static Module Flat(string sample)
    {
        var m = Compiler.CompileFile(Repo.Sample(sample)).Module!;
        return new PassManager(Pipeline.Parse("inline,canonicalize", new DiagnosticBag())!).Run(m).Module!;
    }

    private static string Fails(string sample, string pipeline) => Fails(Flat(sample), pipeline);

    private static string Fails(Module module, string pipeline)
    {
        var run = new PassManager(Pipeline.Parse(pipeline, new DiagnosticBag())!, new PassManagerOptions { VerifyEach = true }).Run(module);
        Assert.False(run.Success);
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("GD0505", d.Id);
        return d.Message;
    }

    [Theory]
    [InlineData("tiny-dense", "parallelize{tp=3}", "tp=3 does not divide the 4 attention heads")]
    [InlineData("tiny-moe", "parallelize{dp=16,ep=16}", "ep=16 does not divide the 8 experts")]
    [InlineData("tiny-moe", "parallelize{tp=2,ep=4}", "ep=4 must divide the 2 GPUs of an MoE layer's group")]
    [InlineData("tiny-dense", "parallelize{pp=5}", "pp=5 exceeds the model's 4 layers")]
    [InlineData("tiny-dense", "parallelize{tp=0}", "must be at least 1")]
    public void Illegal_layouts_are_rejected_with_the_reason(string sample, string pipeline, string message) =>
        Assert.Contains(message, Fails(sample, pipeline));

    /// <summary>Without canonicalize the shapes still name the model's parameters (bf16[batch, seq, @d]), and the reshapes that
    /// split attention heads could not be followed: attention stayed whole on every GPU (Llama-3-8B at tp=8 kept 2.18 bn
    /// parameters per GPU instead of 1.00 bn) while the layout said tp=8. The pass says what to run first.</summary>
    [Fact]
    public void Parallelize_before_canonicalize_is_refused_naming_the_pass_to_run() =>
        Assert.Equal("pass 'parallelize' failed: parallelize needs the model's parameters folded into its shapes (core.weight has type bf16[@vocab, @d]): run 'canonicalize' first",
            Fails(Compiler.CompileFile(Repo.Sample("llama-3-8b")).Module!, "inline,parallelize{tp=8}"));

    /// <summary>densify replaces the whole model's MoE layers: after parallelize{tp=2} it sized the dense FFN from
    /// one GPU's shard, left it unsharded and kept the experts' all-reduce (the FFN's output counted twice); after
    /// fuse it found no MoE weights outside the kernels and said "q=1 asks for 0.00 bn parameters, fewer than the
    /// 0.00 bn outside the MoE layers".</summary>
    [Theory]
    [InlineData("parallelize{tp=2},densify", "densify must run before parallelize (it sizes and replaces the whole model's MoE layers, not one GPU's shard)")]
    [InlineData("parallelize{pp=2},densify", "densify must run before parallelize (it sizes and replaces the whole model's MoE layers, not one GPU's shard)")]
    [InlineData("fuse,densify", "densify must run before fuse (the MoE layers are inside fused kernels)")]
    public void Densify_runs_on_the_whole_unfused_model(string pipeline, string message) =>
        Assert.Equal($"pass 'densify' failed: {message}", Fails("tiny-moe", pipeline));

    /// <summary>A multiple larger than twice the dense hidden size rounded it to 0, which was reported as q asking for
    /// fewer parameters than the model keeps ("q=1 asks for 0.00 bn parameters, fewer than the 0.00 bn ...").</summary>
    [Fact]
    public void A_densify_multiple_that_rounds_the_width_to_zero_is_named() =>
        Assert.Equal("pass 'densify' failed: multiple=1000 rounds the dense hidden size 195 to 0; give a multiple of at most 389",
            Fails("tiny-moe", "densify{multiple=1000}"));

    /// <summary>A quantize skip entry that names no role and matches no weight path is refused (a misspelling would keep
    /// nothing in 16-bit); the default roles may be absent (tiny-dense has no router) and a path substring keeps its weights.</summary>
    [Fact]
    public void A_skip_entry_that_matches_no_weight_is_rejected()
    {
        Assert.Contains("skip: 'self_atn' is neither a role (lm_head, router) nor part of any weight's path",
            Fails("tiny-dense", "quantize{weights=int8,skip=lm_head,router,self_atn}"));
        var ok = new PassManager(Pipeline.Parse("quantize{weights=int8,skip=lm_head,router,attn}", new DiagnosticBag())!).Run(Flat("tiny-dense"));
        Assert.True(ok.Success, string.Join("\n", ok.Diagnostics));
    }

    /// <summary>group sets the group size of int8/int4 scales; the other formats fix their scaling, and a group written
    /// beside them was dropped without a word (quantize{weights=fp8,group=64} quantized to fp8, exit 0).</summary>
    [Theory]
    [InlineData("quantize{weights=fp8,group=64}", "group=64", "weights=fp8 fixes its scaling (one scale per tensor)")]
    [InlineData("quantize{weights=mxfp4,group=64}", "group=64", "weights=mxfp4 fixes its scaling (one e8m0 scale per 32 elements)")]
    [InlineData("quantize{weights=nvfp4,kv=fp8,group=16}", "group=16",
        "weights=nvfp4 fixes its scaling (one fp8_e4m3 scale per 16 elements) and kv=fp8 fixes its scaling (one scale per tensor)")]
    [InlineData("quantize{weights=bf16,group=128}", "group=128", "weights=bf16 has no scales")]
    [InlineData("quantize{group=64}", "group=64", "weights and kv are keep")]
    public void A_group_no_chosen_format_uses_is_refused(string pipeline, string group, string why) =>
        Assert.Equal($"pass 'quantize' failed: {group} sets the group size of int8 and int4 scales, but {why}; remove group, or choose int8 or int4",
            Fails("tiny-dense", pipeline));

    /// <summary>An int8/int4 format for the weights or the KV cache takes the group written, beside formats that fix theirs.</summary>
    [Theory]
    [InlineData("quantize{weights=int4,group=64}", "int4_g64[")]
    [InlineData("quantize{weights=fp8,kv=int8,group=64}", "storage = !int8_g64")]
    public void A_group_an_integer_format_uses_is_honored(string pipeline, string type)
    {
        var run = new PassManager(Pipeline.Parse(pipeline, new DiagnosticBag())!).Run(Flat("tiny-dense"));
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        Assert.Contains(type, GraphDsl.Ir.Text.IrPrinter.Print(run.Module!));
    }

    [Fact]
    public void Kv_heads_that_neither_split_nor_replicate_evenly_are_rejected()
    {
        var src = "import \"std/attention\"\nmodel M {\n  input tokens: i32[batch, seq]\n  weight e: f32[64, 96]\n" +
                  "  output y = attention(nn.embedding(tokens, e), heads: 6, kv_heads: 3)\n}\n";
        var m = Compiler.Compile(new GraphDsl.Frontend.Syntax.SourceText("m.moe", src)).Module!;
        var run = new PassManager(Pipeline.Parse("inline,canonicalize,parallelize{tp=2}", new DiagnosticBag())!).Run(m);
        Assert.Contains("tp=2 and the 3 KV heads do not divide one another", Assert.Single(run.Diagnostics).Message);
    }

    [Fact]
    public void Parallelize_needs_a_flat_module()
    {
        var m = Compiler.CompileFile(Repo.Sample("tiny-dense")).Module!;
        var run = new PassManager(Pipeline.Parse("parallelize{tp=2}", new DiagnosticBag())!).Run(m);
        Assert.Contains("run 'inline'", Assert.Single(run.Diagnostics).Message);
    }

    [Theory]
    [InlineData("llama-3-70b", 8)]
    [InlineData("deepseek-v3", 8)]
    [InlineData("qwen3-235b-a22b", 4)]
    public void Sharding_divides_the_weights_without_losing_any(string sample, int tp)
    {
        var flat = Flat(sample);
        var run = new PassManager(Pipeline.Parse($"parallelize{{tp={tp}}}", new DiagnosticBag())!, new PassManagerOptions { VerifyEach = true }).Run(flat);
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        double Total(Module m) => GraphDsl.Ir.Analysis.ModelStats.Compute(m).TotalParams;
        // Per-GPU parameters lie between an even share and the whole model (replicated norms, router, latents).
        Assert.InRange(Total(run.Module!), Total(flat) / tp, Total(flat) / tp * 1.15);
    }
}
