using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Plan;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>The two-stream schedule after the overlap pass: a step hides communication behind compute but
/// never more than there is, and its trace never runs two ops at once on one stream.</summary>
public class OverlapScheduleTests
{
    public static TheoryData<string, string, int, int, int, int, string, long> Cases() => new()
    {
        // sample, device, gpus, tp, dp, ep, overlap pipeline, batch
        { "deepseek-v3", "h100-sxm", 16, 1, 16, 16, "overlap{nanobatches=2}", 2048 },
        { "deepseek-v3", "h100-sxm", 16, 1, 16, 16, "overlap{mode=fused-collective}", 2048 },
        { "qwen3-235b-a22b", "h200-sxm", 8, 1, 8, 8, "overlap{nanobatches=4}", 512 },
        { "llama-3-70b", "h100-sxm", 8, 8, 1, 1, "overlap{mode=fused-collective,sm_share=0.5}", 64 },
        { "llama-3-70b", "h100-sxm", 8, 8, 1, 1, "overlap{nanobatches=2,sm_share=0}", 64 },
        { "mixtral-8x7b", "h100-sxm", 4, 4, 1, 4, "overlap{nanobatches=2}", 32 },
    };

    private static Predictor For(string sample, string device, int gpus, int tp, int dp, int ep, string passes) =>
        Models.Predictor(sample, device, new Deployment(new ParallelLayout(tp, ep, dp, 1), "fp8", "fp8"), nodes: gpus > 8 ? gpus / 8 : 1, passes: passes);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_step_lies_between_the_busier_stream_and_the_serial_sum(string sample, string device, int gpus, int tp, int dp, int ep, string passes, long batch)
    {
        var p = For(sample, device, gpus, tp, dp, ep, passes);
        Assert.True(p.Compiled.DecodePlan.HasAsync, "the overlap pass left no asynchronous collective");
        foreach (var (plan, seq, ctx) in new[] { (p.Compiled.DecodePlan, 1.0, 4096.0), (p.Compiled.PrefillPlan, 1024.0, 1024.0) })
        {
            var evaluator = new StepEvaluator(plan, Cluster(p, device, gpus), EfficiencyProfile.Find("default")!);
            var timings = new OpTiming[plan.Entries.Length];
            var step = evaluator.Evaluate((double)batch / dp, seq, ctx, timings);
            double compute = 0, comm = 0;
            for (int i = 0; i < plan.Entries.Length; i++)
            {
                double t = timings[i].Seconds * plan.Entries[i].Multiplicity;
                if (plan.Entries[i].Collective != CollectiveKind.None) comm += t; else compute += t;
            }
            double overhead = step.SerialSeconds - compute - comm;
            Assert.True(overhead >= -1e-12, $"serial {step.SerialSeconds} is less than compute + comm {compute + comm}");
            double tolerance = 1e-9 * step.SerialSeconds;
            Assert.True(step.Seconds - overhead >= Math.Max(compute, comm) - tolerance,
                $"{sample} {passes} {plan.Phase}: step {step.Seconds * 1e3:F3} ms is below the busier stream (compute {compute * 1e3:F3} ms, comm {comm * 1e3:F3} ms)");
            Assert.True(step.Seconds <= step.SerialSeconds + tolerance,
                $"{sample} {passes} {plan.Phase}: step {step.Seconds * 1e3:F3} ms is above the serial sum {step.SerialSeconds * 1e3:F3} ms");
        }
    }

    [Fact]
    public void Overlap_hides_most_of_deepseek_v3_prefill_all_to_all_behind_compute()
    {
        // Prefill at 8 x 1024 tokens per GPU is compute-heavy: two nano-batches hide a real share of the
        // all-to-alls, so the step drops well below the serial sum, yet not below the busier stream.
        var p = For("deepseek-v3", "h100-sxm", 16, 1, 16, 16, "overlap{nanobatches=2}");
        var pred = p.Predict(new Workload(16 * 8, 1024, 1024), details: false);
        Assert.True(pred.Prefill.Milliseconds < 0.9 * pred.Prefill.SerialMs, $"prefill {pred.Prefill.Milliseconds} ms vs serial {pred.Prefill.SerialMs} ms");
    }

    [Fact]
    public void Without_the_overlap_pass_the_step_is_the_serial_sum()
    {
        var p = Models.Predictor("deepseek-v3", "h100-sxm", new Deployment(new ParallelLayout(1, 16, 16, 1), "fp8", "fp8"), nodes: 2);
        Assert.False(p.Compiled.DecodePlan.HasAsync);
        var pred = p.Predict(new Workload(2048, 1024, 4096), details: false);
        Assert.Equal(pred.Decode.SerialMs, pred.Decode.Milliseconds);
    }

    [Fact]
    public void A_batch_that_does_not_split_into_the_nano_batches_is_rejected()
    {
        var p = For("deepseek-v3", "h100-sxm", 16, 1, 16, 16, "overlap{nanobatches=2}");
        var e = Assert.Throws<ArgumentException>(() => p.Predict(new Workload(16 * 3, 1024, 4096)));
        Assert.Contains("multiple of the overlap pass's 2 nano-batches", e.Message);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trace_events_never_overlap_on_one_stream(string sample, string device, int gpus, int tp, int dp, int ep, string passes, long batch)
    {
        var p = For(sample, device, gpus, tp, dp, ep, passes);
        var (prefill, decode) = p.Schedule(new Workload(batch, 512, 2048));
        foreach (var events in new[] { prefill, decode })
        {
            Assert.Contains(events, e => e.Stream == StreamKind.Communication);
            foreach (var track in events.GroupBy(e => (e.Stage, e.Stream)))
            {
                var sorted = track.OrderBy(e => e.Start).ToList();
                for (int i = 1; i < sorted.Count; i++)
                {
                    double end = sorted[i - 1].Start + sorted[i - 1].Duration;
                    Assert.True(sorted[i].Start >= end - 1e-12, $"{sorted[i].Name} starts at {sorted[i].Start} before {sorted[i - 1].Name} ends at {end}");
                }
            }
        }
        // The unrolled trace ends where the step's scheduled time (less the fixed step overhead) ends.
        var plan = p.Compiled.DecodePlan;
        var step = new StepEvaluator(plan, Cluster(p, device, gpus), EfficiencyProfile.Find("default")!).Evaluate((double)batch / dp, 1, 2048);
        double traced = decode.Max(e => e.Start + e.Duration);
        double overhead = EfficiencyProfile.Find("default")!.StepSeconds;
        Assert.Equal(step.Seconds - overhead, traced, 1e-9 * step.Seconds + 1e-12);
    }

    [Theory]
    [InlineData("deepseek-v3", "parallelize{dp=16,ep=16},fuse,overlap{nanobatches=2}")]
    [InlineData("qwen3-235b-a22b", "parallelize{dp=8,ep=8},fuse,overlap{mode=fused-collective}")]
    public void Overlap_on_large_expert_parallel_models(string sample, string passes)
    {
        var diagnostics = new GraphDsl.Ir.Diagnostics.DiagnosticBag();
        var pipeline = GraphDsl.Passes.Core.Pipeline.Parse("inline,canonicalize," + passes, diagnostics);
        var run = new GraphDsl.Passes.Core.PassManager(pipeline!, new GraphDsl.Passes.Core.PassManagerOptions { VerifyEach = true }).Run(Models.Sample(sample));
        Assert.True(run.Success, string.Join("\n", run.Diagnostics));
        GraphDsl.TestSupport.Snapshot.Verify($"// {passes}\n" + GraphDsl.Ir.Text.IrPrinter.Print(run.Module!), sample);
    }

    private static GraphDsl.Backends.CostModel.Hardware.Cluster Cluster(Predictor p, string device, int gpus) =>
        new(Models.Catalog.Find(device)!, gpus > 8 ? gpus / 8 : 1, gpus > 8 ? 8 : gpus);
}
