using System;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Memory;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.CostModel.Model;

/// <summary>The figures of one swept configuration.</summary>
public struct SweepPoint
{
    /// <summary>A request's time to first token, the mean over the batch (<see cref="PrefillPasses"/>).</summary>
    public double TtftMs;
    /// <summary>The whole batch's prefill.</summary>
    public double PrefillBatchMs;
    public double TpotMs;
    /// <summary>The decode step with nothing overlapped (equal to TpotMs without the overlap pass).</summary>
    public double SerialTpotMs;
    /// <summary>The decode step's communication (collectives), whether or not it overlaps compute.</summary>
    public double CommMs;
    public double KernelsPerStep;
    public double TokensPerSecond;
    public double TokensPerSecondPerGpu;
    public double WeightGb;
    /// <summary>The activations' workspace (the largest prefill chunk's, with the fused MoE's buffers), per GPU.</summary>
    public double WorkspaceGb;
    public double KvGb;
    /// <summary>The recurrent state of hybrid models' state-space and linear-attention layers (0 without them).</summary>
    public double StateGb;
    public double FreeGb;
    public long MaxBatch;
    public bool Feasible;
}

/// <summary>
/// Evaluates many workloads against one compiled deployment on one cluster, without allocating: the
/// inner loop of `graphdsl sweep`. Equivalent to <see cref="Predictor.Predict"/> without the per-op report.
/// </summary>
public sealed class SweepEvaluator
{
    private readonly CompiledDeployment _compiled;
    private readonly Cluster _cluster;
    private readonly EfficiencyProfile _eff;
    private readonly StepEvaluator _prefill;
    private readonly StepEvaluator _decode;
    private readonly double[] _scratch;
    private readonly double _moeWorkspace; // the fused MoE's buffers under the profile, alike for every workload
    private readonly double _peakWorkspace; // the workspace of the largest prefill chunk, which sizes the largest batch

    public SweepEvaluator(CompiledDeployment compiled, Cluster cluster, EfficiencyProfile eff)
    {
        _compiled = compiled; _cluster = cluster; _eff = eff;
        _prefill = new StepEvaluator(compiled.PrefillPlan, cluster, eff);
        _decode = new StepEvaluator(compiled.DecodePlan, cluster, eff);
        // A placement from the place-experts pass sets the MoE layers' busiest GPU, as in Predictor.
        var (routing, problem) = GraphDsl.Backends.CostModel.Moe.IrRouting.Read(compiled.Module);
        if (problem is not null) throw new ArgumentException("expert placement in the IR: " + problem);
        _prefill.Routing = _decode.Routing = routing;
        _scratch = new double[Math.Max(1, compiled.DecodePlan.Atoms.Count)];
        _moeWorkspace = MoeWorkspace.Largest(compiled.DecodePlan, eff, _scratch);
        _peakWorkspace = MemoryPlan.PeakWorkspace(compiled.DecodePlan, eff, _moeWorkspace, _scratch);
    }

    public SweepPoint Evaluate(long batch, long prompt, long context)
    {
        var layout = _compiled.DecodePlan.Layout;
        double br = (double)batch / layout.Dp;
        var decode = _decode.Evaluate(br, 1, context);
        double prefill = _prefill.Evaluate(br, prompt, prompt).Seconds;
        var p = new SweepPoint
        {
            PrefillBatchMs = prefill * 1e3,
            TtftMs = PrefillPasses.MeanTtftSeconds(prefill, _eff.PrefillSeconds, batch / layout.Dp, prompt, PrefillPasses.PassTokens(_eff)) * 1e3,
            TpotMs = decode.Seconds * 1e3,
            SerialTpotMs = decode.SerialSeconds * 1e3,
            CommMs = decode.CommSeconds * 1e3,
            KernelsPerStep = _compiled.DecodePlan.KernelLaunches,
        };
        p.TokensPerSecond = batch / (p.TpotMs / 1e3);
        p.TokensPerSecondPerGpu = p.TokensPerSecond / layout.Gpus;
        // Memory of the fullest stage, from the core MemoryPlan is built on (no drafter in a sweep, no allocation).
        var fullest = MemoryPlan.Fullest(_compiled.DecodePlan, _cluster.Device.MemoryBytes, _eff, br, context, prompt, null, _moeWorkspace, _peakWorkspace, _scratch, out long maxBatch);
        p.WeightGb = fullest.WeightBytes / 1e9;
        p.WorkspaceGb = fullest.WorkspaceBytes / 1e9;
        p.KvGb = fullest.KvBytes / 1e9;
        p.StateGb = fullest.StateBytes / 1e9;
        p.FreeGb = fullest.FreeBytes / 1e9;
        p.Feasible = fullest.FreeBytes >= 0;
        p.MaxBatch = maxBatch == long.MaxValue ? long.MaxValue : maxBatch * layout.Dp;
        return p;
    }
}
