using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Planning;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Reference.Tests;
using static GraphDsl.Backends.Ilgpu.Tests.Harness;

namespace GraphDsl.Backends.Ilgpu.Tests;

/// <summary>The program around the kernels: fusion lowers to fewer launches, the arena reuses memory by
/// liveness without overlapping live buffers, traces are reused across decode steps, and bad modules,
/// weights and inputs fail with an error that names the op or tensor.</summary>
public class ProgramTests
{
    private static int DecodeLaunches(string sample, string pipeline, out IReadOnlyList<string> patterns)
    {
        var source = Sample(sample);
        var weights = SeededWeights(source);
        using var program = new IlgpuProgram(Backend, Apply(source, pipeline), weights);
        program.Step(Tensor.FromInts(new[] { 1, 3 }, 1, 2, 3));
        program.Step(Tensor.FromInts(new[] { 1, 1 }, 4));
        patterns = program.LastStep!.FusionPatterns;
        return program.LastStep.Instructions;
    }

    [Theory]
    [InlineData("tiny-dense")]
    [InlineData("tiny-moe")]
    public void Fused_kernels_lower_to_fewer_launches_with_the_expected_patterns(string sample)
    {
        int unfused = DecodeLaunches(sample, "", out var none);
        int fused = DecodeLaunches(sample, "fuse", out var patterns);
        Assert.Empty(none);
        Assert.True(fused < unfused * 0.75, $"fused {fused} launches, unfused {unfused}");
        // Four layers: each has a QKV projection, a gated FFN (dense or shared expert) and the output
        // projection with its residual in the GEMM epilogue.
        Assert.Equal(4, patterns.Count(p => p == "qkv"));
        Assert.Equal(4, patterns.Count(p => p == "gated_ffn"));
        Assert.True(patterns.Count(p => p == "matmul+epilogue") >= 4);
    }

    [Fact]
    public void Elementwise_and_add_norm_groups_lower_to_one_launch_each()
    {
        var module = FromGraph(
            "%0 = core.input {name = \"a\"} : f32[3, 40]\n%1 = core.input {name = \"b\"} : f32[40]\n%2 = core.input {name = \"w\"} : f32[40]\n" +
            "%3 = fused.kernel %0, %1 {kind = \"elementwise\"} : f32[3, 40] {\n^(%4: f32[3, 40], %5: f32[40]):\n" +
            "  %6 = nn.mul %4, %5 : f32[3, 40]\n  %7 = nn.silu %6 : f32[3, 40]\n  %8 = nn.sub %7, %4 : f32[3, 40]\n  %9 = nn.cast %8 {dtype = !bf16} : f32[3, 40]\n  core.yield %9\n}\n" +
            "%10, %11 = fused.kernel %3, %0, %2 {kind = \"norm\"} : f32[3, 40], f32[3, 40] {\n^(%12: f32[3, 40], %13: f32[3, 40], %14: f32[40]):\n" +
            "  %15 = nn.add %12, %13 : f32[3, 40]\n  %16 = nn.rmsnorm %15, %14 {eps = 1e-05} : f32[3, 40]\n  core.yield %15, %16\n}\n" +
            "core.output %10 {name = \"s\"}\ncore.output %11 {name = \"y\"}");
        var step = new Dictionary<string, Tensor> { ["a"] = RandomTensor(1, 3, 40), ["b"] = RandomTensor(2, 40), ["w"] = RandomTensor(3, 40) };
        var (reference, device) = Both(module, new WeightSet(), step)[0];
        Near(reference["s"], device["s"], 1e-6, "s");
        Near(reference["y"], device["y"], 1e-5, "y");
        using var program = new IlgpuProgram(Backend, module, new WeightSet());
        program.Run(step);
        Assert.Equal(new[] { "elementwise", "add+norm" }, program.LastStep!.FusionPatterns);
    }

    [Fact]
    public void The_arena_reuses_dead_buffers_and_never_overlaps_live_ones()
    {
        var slots = new List<Slot>();
        var random = new System.Random(5);
        for (int i = 0; i < 60; i++)
        {
            int born = random.Next(0, 40);
            slots.Add(new Slot(i, random.Next(1, 500)) { Born = born, Dies = born + random.Next(0, 8) });
        }
        var plan = BufferPlanner.Plan(slots, 50);
        Assert.True(plan.PeakBytes < plan.TotalBytes, $"peak {plan.PeakBytes} should be below the total {plan.TotalBytes}");
        foreach (var a in slots)
            foreach (var b in slots.Where(b => b.Id > a.Id && a.Born <= b.Dies && b.Born <= a.Dies))
                Assert.True(a.Offset + a.Length <= b.Offset || b.Offset + b.Length <= a.Offset, $"slots {a.Id} and {b.Id} are live together and overlap");
        Assert.All(slots, s => Assert.Equal(0, s.Offset % BufferPlanner.AlignFloats));
    }

    [Fact]
    public void Decode_steps_of_one_shape_reuse_the_arena_and_the_trace()
    {
        var source = Sample("tiny-moe");
        using var program = new IlgpuProgram(Backend, source, SeededWeights(source));
        program.Step(Tensor.FromInts(new[] { 2, 4 }, 1, 2, 3, 4, 5, 6, 7, 8));
        var first = program.Step(Tensor.FromInts(new[] { 2, 1 }, 9, 10));
        var report = program.LastStep;
        program.Step(Tensor.FromInts(new[] { 2, 1 }, 11, 12));
        Assert.Same(report!.Buffers, program.LastStep!.Buffers);
        Assert.Equal(6, program.TokensSeen);
        Assert.Equal(new[] { 2, 1, 512 }, first.Shape);
    }

    [Fact]
    public void A_token_outside_the_vocabulary_is_a_bad_input_naming_the_op()
    {
        var source = Sample("tiny-dense");
        using var program = new IlgpuProgram(Backend, source, SeededWeights(source));
        var e = Assert.Throws<IlgpuExecutionException>(() => program.Step(Tensor.FromInts(new[] { 1, 2 }, 3, 512)));
        Assert.Equal(ExecutionFailure.BadInput, e.Failure);
        Assert.Contains("nn.embedding", e.Message);
        Assert.Contains("512", e.Message);
        // Nothing was committed: the next step starts at position 0.
        Assert.Equal(0, program.TokensSeen);
    }

    [Fact]
    public void A_changed_batch_against_the_cache_is_rejected()
    {
        var source = Sample("tiny-dense");
        using var program = new IlgpuProgram(Backend, source, SeededWeights(source));
        program.Step(Tensor.FromInts(new[] { 2, 1 }, 3, 4));
        var e = Assert.Throws<IlgpuExecutionException>(() => program.Step(Tensor.FromInts(new[] { 1, 1 }, 3)));
        Assert.Contains("batch", e.Message);
    }

    [Fact]
    public void Missing_and_misshaped_weights_are_named()
    {
        var source = Sample("tiny-dense");
        var weights = SeededWeights(source);
        var partial = new WeightSet(weights.Where(kv => kv.Key != "layers.2.attn.wk"));
        var missing = Assert.Throws<IlgpuExecutionException>(() => new IlgpuProgram(Backend, source, partial));
        Assert.Equal(ExecutionFailure.BadWeights, missing.Failure);
        Assert.Contains("layers.2.attn.wk", missing.Message);
        var wrong = new WeightSet(weights);
        wrong.Set("norm.scale", Tensor.Zeros(64));
        var misshaped = Assert.Throws<IlgpuExecutionException>(() => new IlgpuProgram(Backend, source, wrong));
        Assert.Contains("norm.scale", misshaped.Message);
        Assert.Contains("[64]", misshaped.Message);
    }

    [Fact]
    public void Sharded_modules_fail_clearly()
    {
        var sharded = Apply(Sample("tiny-moe"), "parallelize{tp=2}");
        var tp = Assert.Throws<IlgpuExecutionException>(() =>
        {
            using var p = new IlgpuProgram(Backend, sharded, SeededWeights(sharded));
            p.Step(Tensor.FromInts(new[] { 1, 2 }, 1, 2));
        });
        Assert.Contains("one device", tp.Message);
    }

    [Fact]
    public void A_runner_loads_a_safetensors_file_and_generates_as_the_reference()
    {
        var spec = GraphDsl.Frontend.Compiler.CompileFile(GraphDsl.TestSupport.Repo.Sample("tiny-moe")).Module!;
        var flat = Sample("tiny-moe");
        var arrays = GraphDsl.Backends.Weights.Initialization.WeightInitializer.Create(flat, 4);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"graphdsl-runner-{System.Environment.ProcessId}.safetensors");
        GraphDsl.Backends.Weights.Safetensors.SafetensorsWriter.Write(path, GraphDsl.Backends.Weights.Mapping.WeightMapping.ToSafetensors(arrays));
        using var runner = ModelRunner.Load(spec, path, Backend, "fuse");
        var tokens = runner.Generate(new[] { 1, 2, 3 }, 5);
        var reference = new GraphDsl.Backends.Reference.Generation.Generator(new Interpreter(flat, WeightSet.FromArrays(arrays.Select(w => (w.Name, w.Shape, w.Values)))))
            .Generate(new[] { 1, 2, 3 }, 5).Tokens;
        Assert.Equal(reference, tokens);
        Assert.Contains(runner.Module.WalkAll(), op => op.Def == GraphDsl.Ir.Ops.FusedOps.Kernel);

        var e = Assert.Throws<IlgpuExecutionException>(() => ModelRunner.Load(GraphDsl.Frontend.Compiler.CompileFile(GraphDsl.TestSupport.Repo.Sample("tiny-dense")).Module!, path, Backend));
        Assert.Equal(ExecutionFailure.BadWeights, e.Failure);
        Assert.Contains("missing", e.Message);
    }
}
