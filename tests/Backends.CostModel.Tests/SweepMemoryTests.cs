using System;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// A sweep row reads memory from the core the prediction's memory plan is built on (<c>MemoryPlan.Fullest</c>), so the
/// two agree on the fullest GPU's weights, KV cache, free bytes and feasibility; and the row's largest batch is the
/// largest every pipeline stage holds: the prediction at that batch fits, one more sequence per replica does not.
/// </summary>
public class SweepMemoryTests
{
    [Theory]
    [InlineData("deepseek-v3", "h200-sxm", 8, 1, "fp8", 1, 64, 2048, 4096)]
    [InlineData("llama-3.1-405b", "h100-sxm", 8, 2, "int4", 2, 32, 1024, 8192)] // two pipeline stages
    public void Sweep_rows_and_predictions_share_one_memory_core(string sample, string device, int tp, int pp, string weights, int nodes,
        long batch, long prompt, long context)
    {
        var deployment = new Deployment(new ParallelLayout(tp, 1, 1, pp), weights);
        var diagnostics = new DiagnosticBag();
        var compiled = CompiledDeployment.Compile(Models.Sample(sample), deployment, "", diagnostics);
        Assert.True(compiled is not null, string.Join("\n", diagnostics.Items));
        var cluster = new Cluster(Models.Catalog.Find(device)!, nodes, deployment.Gpus / nodes);
        var profile = EfficiencyProfile.Find("default")!;
        var predictor = new Predictor(compiled!, cluster, profile);

        var row = new SweepEvaluator(compiled!, cluster, profile).Evaluate(batch, prompt, context);
        var memory = predictor.Predict(new Workload(batch, prompt, context), details: false).Memory;
        Assert.Equal(memory.WeightBytes / 1e9, row.WeightGb);
        Assert.Equal(memory.KvBytes / 1e9, row.KvGb);
        // The plan sums its parts in another order than the core's room less KV: equal to rounding.
        Assert.Equal(memory.FreeBytes / 1e9, row.FreeGb, 1e-9);
        Assert.Equal(memory.Feasible, row.Feasible);

        // The prompts fill the workspace's chunk at this batch already, so only the KV cache grows with it.
        Assert.True(batch * prompt >= profile.MaxBatchedTokens);
        Assert.True(row.MaxBatch is > 0 and < 1L << 20, $"largest batch {row.MaxBatch}");
        Assert.True(predictor.Predict(new Workload(row.MaxBatch, prompt, context), details: false).Feasible, $"batch {row.MaxBatch} should fit");
        Assert.False(predictor.Predict(new Workload(row.MaxBatch + 1, prompt, context), details: false).Feasible, $"batch {row.MaxBatch + 1} should not fit");
    }
}
