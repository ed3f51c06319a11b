using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The pipeline the cost model runs is built as a value around the user's (<see cref="DeploymentPipeline"/>):
/// fixed-place passes compose with the deployment's elements key by key, and what ran is what is reported.</summary>
public class DeploymentPipelineTests
{
    private static Pipeline Parse(string text) => Pipeline.Parse(text, new DiagnosticBag())!;

    [Fact]
    public void The_users_passes_take_their_places_around_the_deployments()
    {
        var d = new Deployment(new ParallelLayout(2, 1, 4, 1) { MoeComm = MoeCommunication.AllGather }, "fp8");
        var pipeline = DeploymentPipeline.For(d, Parse("overlap{nanobatches=2},fuse{norm=false},densify{q=1.5},quantize{kv=fp8},canonicalize"), new DiagnosticBag(), out var effective)!;
        Assert.Equal("inline,canonicalize,prune-logits,densify{q=1.5},quantize{weights=fp8,kv=fp8},parallelize{tp=2,ep=1,dp=4,pp=1,moe_comm=all_gather},fuse{norm=false},overlap{nanobatches=2}",
            pipeline.ToString());
        // What the user's quantize added is part of the deployment that ran.
        Assert.Equal(d with { Kv = "fp8" }, effective);
    }

    [Fact]
    public void Options_the_deployment_leaves_at_their_defaults_come_from_the_pipeline()
    {
        var compiled = CompiledDeployment.Compile(Models.Sample("tiny-moe"), new Deployment(new ParallelLayout(1, 2, 2, 1)), "parallelize{redundant=2},quantize{weights=int4,activations=bf16}", new DiagnosticBag())!;
        Assert.Equal(new Deployment(new ParallelLayout(1, 2, 2, 1) { Redundant = 2 }, "int4") { Activations = "bf16" }, compiled.Deployment);
        Assert.Equal("inline,canonicalize,prune-logits,quantize{weights=int4,activations=bf16},parallelize{tp=1,ep=2,dp=2,pp=1,redundant=2},fuse", compiled.Pipeline.ToString());
    }

    /// <summary>A value the deployment states and the pipeline contradicts is refused, never silently replaced (the CLI
    /// merges its flags first, so only a program calling the cost model directly meets this).</summary>
    [Theory]
    [InlineData("parallelize{tp=1}", "<pipeline>:1:1: error GD0618: parallelize{tp=1} in the pipeline sets tp=1, but the deployment has tp=2")]
    [InlineData("fuse,quantize{weights=int4}", "<pipeline>:1:6: error GD0618: quantize{weights=int4} in the pipeline sets weights=int4, but the deployment has weights=fp8")]
    [InlineData("quantize{weights=int4},quantize{weights=fp8}", "<pipeline>:1:24: error GD0509: quantize{weights=int4} and quantize{weights=fp8} set 'weights' to different values; write the option once")]
    public void A_contradiction_is_an_error_naming_both(string passes, string message)
    {
        var diagnostics = new DiagnosticBag();
        Assert.Null(CompiledDeployment.Compile(Models.Sample("tiny-dense"), new Deployment(new ParallelLayout(2), Weights: "fp8"), passes, diagnostics));
        Assert.Equal(message, diagnostics.Items.Single().ToString());
    }

    [Fact]
    public void Elements_of_one_pass_compose_when_their_keys_agree()
    {
        var a = PipelineElement.Create("quantize", ("weights", "fp8"), ("group", "64"));
        var b = PipelineElement.Create("quantize", ("group", "064"), ("kv", "fp8"));
        Assert.Equal("quantize{weights=fp8,group=64,kv=fp8}", a.ComposeWith(b, out var conflict)!.ToString());
        Assert.Null(conflict);
        Assert.Null(a.ComposeWith(PipelineElement.Create("quantize", ("weights", "int4")), out conflict));
        Assert.Equal("weights", conflict);
    }
}
