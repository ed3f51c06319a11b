using System;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Densify;
using GraphDsl.Passes.Fusion;
using GraphDsl.Passes.Overlap;
using GraphDsl.Passes.Parallelize;
using GraphDsl.Passes.Quantize;

namespace GraphDsl.Passes.Tests;

/// <summary>Each pass binds its options once, from the declarations its <see cref="PassInfo"/> lists, into a typed record:
/// what a pipeline element writes, else the declared default.</summary>
public class PassOptionBindingTests
{
    private static PipelineElement Element(string text)
    {
        var d = new DiagnosticBag();
        var p = Pipeline.Parse(text, d);
        Assert.Empty(d.Items);
        return Assert.Single(p!.Elements);
    }

    [Fact]
    public void Quantize_binds_what_is_written_and_the_defaults()
    {
        var o = QuantizeOptions.Bind(Element("quantize{weights=int4,group=64,skip_layers=first,last}").Options);
        Assert.Equal(("int4", 64, "keep", "keep"), (o.Weights, o.Group, o.Kv, o.Activations));
        Assert.Equal(new[] { "lm_head", "router" }, o.Skip);
        Assert.Equal(new[] { "first", "last" }, o.SkipLayers);
        Assert.Empty(QuantizeOptions.Bind(Element("quantize{skip_layers=}").Options).SkipLayers);
    }

    [Fact]
    public void Parallelize_binds_a_layout_with_its_moe_communication()
    {
        var o = ParallelLayout.Bind(Element("parallelize{tp=08,dp=2,ep=4,moe_comm=all_gather}").Options);
        Assert.Equal((8, 4, 2, 1, 0, MoeCommunication.AllGather), (o.Tp, o.Ep, o.Dp, o.Pp, o.Redundant, o.MoeComm));
        Assert.Equal(MoeCommunication.Auto, ParallelLayout.Bind(Element("parallelize").Options).MoeComm);
    }

    [Fact]
    public void Overlap_densify_and_fuse_bind_typed_values()
    {
        Assert.Equal(new OverlapOptions(OverlapMode.FusedCollective, 2, 0.25), OverlapOptions.Bind(Element("overlap{mode=fused-collective,sm_share=0.25}").Options));
        Assert.Equal(new DensifyOptions(1.0, 256), DensifyOptions.Bind(Element("densify{multiple=256}").Options));
        // The rules switched on, in the order they run.
        Assert.Equal(new[] { "qkv", "gated_ffn", "moe", "epilogue", "norm", "elementwise" }, FuseOptions.Bind(Element("fuse{attention=false}").Options).Rules);
    }

    [Fact]
    public void A_pass_reads_only_options_it_declares()
    {
        // Another pass's declaration of the same name is refused, so a pass cannot read options by a shared name.
        var fuse = Element("fuse").Options;
        var e = Assert.Throws<ArgumentException>(() => fuse.Get(PassOption.Bool("qkv", "apply the qkv rule", "true")));
        Assert.StartsWith("'qkv' is not a declared option of pass 'fuse'", e.Message);
    }

    [Fact]
    public void The_flattening_pipeline_is_inline_then_canonicalize_and_composes_as_a_value()
    {
        Assert.Equal("inline,canonicalize", StandardPipelines.Flatten.ToString());
        var user = Pipeline.Parse("quantize{weights=fp8}", new DiagnosticBag())!;
        var composed = StandardPipelines.Flatten.Append(user);
        Assert.Equal("inline,canonicalize,quantize{weights=fp8}", composed.ToString());
        // The user's element keeps the column it was written at, in the user's text.
        Assert.Equal(1, composed.Elements[2].Column);
    }
}
