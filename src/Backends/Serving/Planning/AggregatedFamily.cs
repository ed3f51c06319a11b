using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// Aggregated candidates: one engine per deployment doing prefill and decode, scheduled with chunked prefill
/// (<see cref="PlanSpace"/>). Each deployment is compiled once and shared by every cluster and scheduler that uses it.
/// <para>The screen (the sweep's step model, <see cref="SweepEvaluator"/>; no simulation): with P and O the workload's
/// mean prompt and output tokens, the engine holds at most c_max = min(max_batch, the sequences whose KV cache fits at
/// P + O) sequences. It runs c of them: min(c_max, C) for a closed loop of C clients, min(c_max, N) for N offline
/// requests, and for Poisson arrivals at rate R the fixed point of Little's law c = R (TTFT + O x TPOT). A token costs
/// the decode step at c sequences and mean context P + O/2, plus the c prompts that start while it decodes, each
/// stalling the whole engine for one prompt's prefill (prompts arriving apart do not share a step, and data-parallel
/// replicas synchronise in every layer that crosses them, as the simulator prices it):
/// TPOT = decode(c) + c x prefill(one prompt) / O. Output tokens/s = c x 1000 / TPOT (at most R x O),
/// per GPU over the GPUs, per user 1000 / TPOT. TTFT is one prompt's prefill, plus, when more requests want to run than
/// c_max, the wait for a slot; a Poisson rate beyond the engine's capacity at c_max has no finite TTFT.</para>
/// </summary>
public sealed class AggregatedFamily : ICandidateFamily
{
    private readonly CompiledDeployments _compiled;

    /// <param name="compiled">the plan's compiled deployments, shared with the other families.</param>
    public AggregatedFamily(CompiledDeployments? compiled = null) { _compiled = compiled ?? new CompiledDeployments(); }

    public PlanKind Kind => PlanKind.Aggregated;

    public IEnumerable<Deployment> Deployments(PlanSearch search) => search.Targets.SelectMany(t => PlanSpace.Deployments(t, search));

    public IEnumerable<Screened> Screen(PlanSearch search)
    {
        var (prompt, output) = search.MeanLengths;
        foreach (var target in search.Targets)
        foreach (var dep in PlanSpace.Deployments(target, search))
        {
            var (compiled, problem) = _compiled.Get(dep, search);
            SweepEvaluator? ev = null;
            if (compiled is not null)
                try { ev = new SweepEvaluator(compiled, target.Cluster, target.Efficiency); }
                catch (ArgumentException e) { problem = e.Message; }
            // A deployment that cannot serve is reported once, with its first scheduler setting.
            var unserved = new PlanCandidate(Kind, target, dep, PlanSpace.Schedulers(dep.Layout.Dp).First().Spec);
            if (ev is null) { yield return new Screened(unserved, null, problem); continue; }

            var fit = ev.Evaluate(dep.Layout.Dp, prompt, prompt + output);
            if (fit.MaxBatch < 1)
            {
                yield return new Screened(unserved, null, "does not fit: " + CacheRoom.Missing(fit, target.Cluster.Device.Id, prompt + output));
                continue;
            }
            double prefillMs = ev.Evaluate(dep.Layout.Dp, prompt, prompt).PrefillBatchMs;
            long previousCap = 0;
            foreach (var (_, _, spec) in PlanSpace.Schedulers(dep.Layout.Dp))
            {
                long cap = Math.Min(spec.MaxBatch!.Value, fit.MaxBatch);
                // Limits beyond what the cache holds run as the cache allows: one candidate for them all.
                if (cap == previousCap) continue;
                previousCap = cap;
                yield return new Screened(new PlanCandidate(Kind, target, dep, spec), Estimate(ev, search, dep.Layout.Dp, target.Cluster.Gpus, cap, prefillMs, prompt, output), null);
            }
        }
    }

    private static ScreenEstimate Estimate(SweepEvaluator ev, PlanSearch search, int dp, int gpus, long cap, double prefillMs, long prompt, long output)
    {
        double Tpot(double c) => ev.Evaluate(Math.Max(1, (long)Math.Round(c)), prompt, prompt + output / 2).TpotMs + c * prefillMs / output;
        var w = search.Workload;
        double c, ttft = prefillMs, limit = double.PositiveInfinity;
        double tpotAtCap = Tpot(cap);
        switch (w.Kind)
        {
            case WorkloadKind.Concurrency:
                c = Math.Min(cap, w.Clients);
                if (w.Clients > cap) ttft += (w.Clients - cap) / (double)cap * output * tpotAtCap;
                break;
            case WorkloadKind.Offline:
                c = Math.Min(cap, w.Count);
                if (w.Count > cap) ttft += (w.Count - cap) / (double)cap * output * tpotAtCap / 2;
                break;
            default:
                limit = w.Rate * output;
                c = 1;
                for (int i = 0; i < 30; i++) c = Math.Clamp(w.Rate * (prefillMs + output * Tpot(c)) / 1e3, 1, cap);
                if (limit > cap * 1e3 / tpotAtCap) ttft = double.PositiveInfinity;
                break;
        }
        double tpot = Tpot(c);
        double total = Math.Min(c * 1e3 / tpot, limit);
        return new ScreenEstimate(total / gpus, 1e3 / tpot, ttft, tpot, c);
    }

    public Simulated Simulate(Screened candidate, PlanSearch search)
    {
        var c = candidate.Candidate;
        var (compiled, problem) = _compiled.Get(c.Deployment, search);
        if (compiled is null) return new Simulated(candidate, null, problem);
        Predictor predictor;
        try { predictor = new Predictor(compiled, c.Cluster, c.Target.Efficiency); }
        catch (ArgumentException e) { return new Simulated(candidate, null, e.Message); }
        var w = search.Workload;
        var simulation = ServingSimulation.Prepare(predictor, c.Cluster, c.Target.Efficiency, c.Scheduler, w.Prompt.Mean + w.Output.Mean,
            ServingSimulation.LongestRequest(w), out var reason);
        if (simulation is null) return new Simulated(candidate, null, "does not fit: " + reason);
        return new Simulated(candidate, search.Run(simulation), null);
    }
}
