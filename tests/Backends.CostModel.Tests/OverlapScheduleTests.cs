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

    /// <summary>Each nano-batch's dispatch and combine carry tokens to and from its own copy of the MoE layer, so the two
    /// copies cost the same. Tying every exchange of the layer to its first copy left the second priced as if no
    /// all-to-all fed it, taking in all of the routing group's tokens: in DeepSeek-V3's prefill on 16 GPUs it took longer
    /// than the first and the overlapped step rose above the serial one.</summary>
    [Fact]
    public void Each_nano_batch_exchanges_tokens_with_its_own_moe_copy()
    {
        var p = For("deepseek-v3", "h100-sxm", 16, 1, 16, 16, "overlap{nanobatches=2}");
        foreach (var (plan, seq, ctx) in new[] { (p.Compiled.PrefillPlan, 1024.0, 1024.0), (p.Compiled.DecodePlan, 1.0, 4096.0) })
        {
            var moe = Enumerable.Range(0, plan.Entries.Length).Where(i => plan.Entries[i].IsMoe && plan.Entries[i].Group == "moe_layers").ToArray();
            Assert.Equal(2, moe.Length);
            var exchanges = plan.Entries.Where(e => e.Collective == CollectiveKind.AllToAll && e.CommAxis == "ep").ToList();
            Assert.Equal(4, exchanges.Count);
            // A dispatch and a combine for each copy: one before it in program order, one after.
            foreach (var m in moe)
            {
                var linked = Enumerable.Range(0, plan.Entries.Length).Where(i => plan.Entries[i].RoutedEntry == m).ToArray();
                Assert.Equal(2, linked.Length);
                Assert.True(linked[0] < m && linked[1] > m, $"{plan.Phase}: exchanges {string.Join(",", linked)} around MoE entry {m}");
            }
            var timings = new OpTiming[plan.Entries.Length];
            new StepEvaluator(plan, Cluster(p, "h100-sxm", 16), EfficiencyProfile.Find("default")!).Evaluate(2048.0 / 16, seq, ctx, timings);
            Assert.Equal(timings[moe[0]].Seconds, timings[moe[1]].Seconds, 1e-12 * timings[moe[0]].Seconds);
        }
    }

    /// <summary>An expert exchange carried by DeepEP's kernels occupies their SMs while in flight, not the start's sm_share:
    /// none in a decode step on the low-latency kernels (their receive is a hook, DeepEP V1 README), 20 of an H100's 132
    /// SMs in a prefill step on the normal kernels (DeepEP's default Buffer.num_sms). A profile without DeepEP's kernels
    /// keeps the pass's sm_share.</summary>
    [Fact]
    public void DeepEP_exchanges_occupy_DeepEPs_SMs_while_in_flight()
    {
        var device = Models.Catalog.Find("h100-sxm")!;
        var sglang = EfficiencyProfile.ForEngine("sglang", device);
        var p = Models.Predictor("deepseek-v3", "h100-sxm", new Deployment(new ParallelLayout(1, 32, 32, 1), "fp8", "fp8"), sglang, nodes: 4, passes: "overlap{nanobatches=2,sm_share=0.3}");
        foreach (var (plan, seq, ctx, profile, share) in new[]
        {
            (p.Compiled.DecodePlan, 1.0, 4096.0, sglang, 0.0),
            (p.Compiled.PrefillPlan, 4096.0, 4096.0, sglang, 20.0 / 132),
            (p.Compiled.DecodePlan, 1.0, 4096.0, EfficiencyProfile.Find("default")!, 0.3),
        })
        {
            var timings = new OpTiming[plan.Entries.Length];
            new StepEvaluator(plan, new GraphDsl.Backends.CostModel.Hardware.Cluster(device, 4, 8), profile).Evaluate(4, seq, ctx, timings);
            var starts = Enumerable.Range(0, plan.Entries.Length).Where(i => plan.Entries[i].Async == AsyncRole.Start).ToList();
            Assert.Equal(4, starts.Count);
            Assert.All(starts, i => Assert.Equal(share, timings[i].SmShare, 1e-12));
        }
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
