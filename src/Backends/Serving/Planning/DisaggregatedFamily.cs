using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.Serving.Disaggregation;
using GraphDsl.Backends.Serving.Engine;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// Disaggregated candidates (xPyD, <see cref="DisaggregatedSpace"/>): x prefill instances and y decode instances, each
/// instance kind compiled on its own layout (shared with the other families through <see cref="CompiledDeployments"/>),
/// simulated with serve's disaggregated scheduler (<see cref="DisaggregatedSimulation"/>: the KV transfer priced over the
/// link between the instances).
/// <para>The screen (the sweep's step model per instance, no simulation), with P and O the workload's mean prompt and
/// output tokens, both instances holding a whole request's cache at P + O:</para>
/// <list type="bullet">
/// <item>prefill: one prompt per replica takes t_p (<c>prefill_batch_ms</c> at one sequence per replica), so the x
/// instances prefill at most mu = x dp_p / t_p prompts per second; a prompt waits as in an M/D/1 queue at
/// rho = R / mu (rho t_p / (2 (1 - rho))) for Poisson arrivals at rate R, half the backlog N / (2 mu) for N offline
/// requests;</item>
/// <item>the KV transfer: serve's <see cref="KvTransfer"/> for P tokens, averaged over the instance pairs (NVLink for the
/// pairs in one node, the network for the others);</item>
/// <item>decode: each decode instance holds at most c_max = min(max_batch, the sequences its cache fits at P + O) and runs
/// c of them, with TPOT = its decode step at c and context P + O/2 (no prefill stalls it). c is the fixed point of
/// Little's law c = (R / y) O TPOT(c) for Poisson traffic, the closed loop's share min(c_max, C / y) for C clients, and
/// min(c_max, N / y) offline;</item>
/// <item>output tokens/s = min(y c 1000 / TPOT, what the prefills feed: mu O, R O for Poisson), per GPU over all G GPUs,
/// per user 1000 / TPOT; TTFT = t_p + the wait + the transfer, infinite when the rate exceeds the prefill or decode
/// capacity.</item>
/// </list>
/// </summary>
public sealed class DisaggregatedFamily : ICandidateFamily
{
    private readonly CompiledDeployments _compiled;
    private readonly Dictionary<(PlanTarget, Deployment), Instance> _instances = new();

    /// <param name="compiled">the plan's compiled deployments, shared with the other families.</param>
    public DisaggregatedFamily(CompiledDeployments? compiled = null) { _compiled = compiled ?? new CompiledDeployments(); }

    public PlanKind Kind => PlanKind.Disaggregated;

    public IEnumerable<Deployment> Deployments(PlanSearch search) => DisaggregatedSpace.Deployments(search);

    /// <summary>One instance deployment on a target: its GPUs, its step model, and what the screen asks of it.</summary>
    private sealed class Instance
    {
        private readonly SweepEvaluator? _ev;
        private readonly Dictionary<long, double> _tpot = new();
        private readonly long _prompt, _output;

        public Instance(CompiledDeployment? compiled, Cluster? cluster, PlanTarget target, long prompt, long output, string? problem)
        {
            _prompt = prompt; _output = output; Problem = problem;
            if (compiled is null || cluster is null) return;
            Replicas = compiled.Deployment.Layout.Dp;
            try { _ev = new SweepEvaluator(compiled, cluster, target.Efficiency); }
            catch (ArgumentException e) { Problem = e.Message; return; }
            var fit = _ev.Evaluate(compiled.Deployment.Layout.Dp, prompt, prompt + output);
            MaxBatch = fit.MaxBatch;
            if (MaxBatch < 1)
            {
                TooHeavy = true;
                Problem = $"does not fit: an instance of {DisaggregatedSpace.Layout(compiled.Deployment, 1)}: " + CacheRoom.Missing(fit, target.Cluster.Device.Id, prompt + output);
                return;
            }
            PrefillMs = _ev.Evaluate(compiled.Deployment.Layout.Dp, prompt, prompt).PrefillBatchMs;
            var kv = KvCache.For(compiled, cluster, target.Efficiency, prompt + output, out var why);
            if (kv is null) { Problem = "does not fit: " + why; MaxBatch = 0; return; }
            BytesPerToken = kv.BytesPerToken;
        }

        public string? Problem { get; }
        /// <summary>Compiled, but its weights and workspace leave no room for one request's cache.</summary>
        public bool TooHeavy { get; }
        public bool Fits => Problem is null && MaxBatch >= 1;
        public long MaxBatch { get; private set; }
        public int Replicas { get; }
        public double PrefillMs { get; }
        public double BytesPerToken { get; }

        /// <summary>The decode step at c sequences over the mean context (memoised: candidates share their decode instances).</summary>
        public double TpotMs(double c)
        {
            long b = Math.Max(1, (long)Math.Round(c));
            if (!_tpot.TryGetValue(b, out var t)) _tpot[b] = t = _ev!.Evaluate(b, _prompt, _prompt + _output / 2).TpotMs;
            return t;
        }
    }

    public IEnumerable<Screened> Screen(PlanSearch search)
    {
        var (prompt, output) = search.MeanLengths;
        foreach (var target in search.Targets)
        {
            var reported = new HashSet<Deployment>();
            foreach (var (gp, x, gd, y) in DisaggregatedSpace.Splits(target))
            foreach (var w in search.Weights)
            foreach (var kv in search.Kv)
            foreach (var pDep in Layouts(gp, target, search, w, kv))
            foreach (var dDep in Layouts(gd, target, search, w, kv))
            {
                var (pl, dl) = (DisaggregatedSpace.Layout(pDep, x), DisaggregatedSpace.Layout(dDep, y));
                var (pre, dec) = (Get(target, pDep, pl, search), Get(target, dDep, dl, search));
                var schedulers = DisaggregatedSpace.Schedulers(pl, dl).ToList();
                PlanCandidate Candidate(SchedulerSpec spec) => new(Kind, target, pDep, spec) { DecodeDeployment = dDep };
                if (!pre.Fits || !dec.Fits)
                {
                    // An instance that cannot serve is reported once per target, with the first split that uses it.
                    var (bad, dep) = !pre.Fits ? (pre, pDep) : (dec, dDep);
                    if (reported.Add(dep)) yield return new Screened(Candidate(schedulers[0]), null, (bad == pre ? "prefill" : "decode") + " instance: " + bad.Problem);
                    continue;
                }
                double transferMs = TransferMs(target, pl, dl, pre, dec, prompt);
                long previousCap = 0;
                foreach (var spec in schedulers)
                {
                    long cap = Math.Min(spec.MaxBatch!.Value, dec.MaxBatch);
                    // Limits beyond what the cache holds run as the cache allows: one candidate for them all.
                    if (cap == previousCap) continue;
                    previousCap = cap;
                    yield return new Screened(Candidate(spec), Estimate(search, target.Cluster.Gpus, pre, x, dec, y, cap, transferMs, output), null);
                }
            }
        }
    }

    /// <summary>The instance layouts of <paramref name="gpus"/> GPUs worth pairing: when the one that shards the weights
    /// most (the largest tp, experts over every GPU) leaves no room for a request's cache, no layout of that size does, and
    /// only it is returned (so its reason is reported) without compiling the others.</summary>
    private IEnumerable<Deployment> Layouts(int gpus, PlanTarget target, PlanSearch search, string weights, string kv)
    {
        var all = DisaggregatedSpace.Instances(gpus, target, search, weights, kv).ToList();
        if (all.Count == 0) return all;
        var leanest = all.OrderByDescending(d => d.Layout.Tp).ThenByDescending(d => d.Layout.Ep).First();
        return Get(target, leanest, DisaggregatedSpace.Layout(leanest, 1), search).TooHeavy ? new[] { leanest } : all;
    }

    private Instance Get(PlanTarget target, Deployment dep, InstanceLayout layout, PlanSearch search)
    {
        if (_instances.TryGetValue((target, dep), out var known)) return known;
        var (prompt, output) = search.MeanLengths;
        var (compiled, problem) = _compiled.Get(dep, search);
        var cluster = compiled is null ? null : DisaggregatedSimulation.InstanceCluster(target.Cluster, layout with { Count = 1 }, "disaggregated", out problem);
        return _instances[(target, dep)] = new Instance(compiled, cluster, target, prompt, output, problem);
    }

    /// <summary>serve's transfer of a prompt's KV cache, averaged over the instance pairs (each decode instance receives
    /// from every prefill instance alike).</summary>
    private static double TransferMs(PlanTarget target, InstanceLayout pl, InstanceLayout dl, Instance pre, Instance dec, long prompt)
    {
        var sameNode = DisaggregatedSimulation.SameNode(pl, dl, target.Cluster.GpusPerNode);
        var transfer = new KvTransfer(target.Cluster.Device, target.Efficiency, pre.BytesPerToken, dec.BytesPerToken, sameNode);
        double sum = 0;
        for (int i = 0; i < pl.Count; i++)
            for (int j = 0; j < dl.Count; j++) sum += transfer.Seconds(i, j, prompt);
        return sum / (pl.Count * dl.Count) * 1e3;
    }

    private static ScreenEstimate Estimate(PlanSearch search, int gpus, Instance pre, int x, Instance dec, int y, long cap, double transferMs, long output)
    {
        var w = search.Workload;
        double mu = x * pre.Replicas * 1e3 / pre.PrefillMs;             // prompts per second
        double decodeCapacity = y * cap * 1e3 / (output * dec.TpotMs(cap));    // requests per second
        double c, wait = 0, fed = mu * output;
        switch (w.Kind)
        {
            case WorkloadKind.Concurrency:
                c = Math.Clamp(w.Clients / (double)y, 1, cap);
                if (w.Clients > y * cap) wait = (w.Clients - y * cap) / (double)(y * cap) * output * dec.TpotMs(cap);
                break;
            case WorkloadKind.Offline:
                c = Math.Clamp(w.Count / (double)y, 1, cap);
                wait = w.Count / (2 * mu) * 1e3;
                break;
            default:
                double rho = w.Rate / mu;
                wait = rho >= 1 || w.Rate > decodeCapacity ? double.PositiveInfinity : rho * pre.PrefillMs / (2 * (1 - rho));
                fed = Math.Min(fed, w.Rate * output);
                c = 1;
                for (int i = 0; i < 30; i++) c = Math.Clamp(w.Rate / y * output * dec.TpotMs(c) / 1e3, 1, cap);
                break;
        }
        double tpot = dec.TpotMs(c);
        double total = Math.Min(y * c * 1e3 / tpot, fed);
        return new ScreenEstimate(total / gpus, 1e3 / tpot, pre.PrefillMs + wait + transferMs, tpot, y * c);
    }

    public Simulated Simulate(Screened candidate, PlanSearch search)
    {
        var c = candidate.Candidate;
        var (prefill, problem) = _compiled.Get(c.Deployment, search);
        var (decode, decodeProblem) = _compiled.Get(c.DecodeDeployment!, search);
        if (prefill is null || decode is null) return new Simulated(candidate, null, problem ?? decodeProblem);
        var w = search.Workload;
        var simulation = DisaggregatedSimulation.Prepare(prefill, decode, c.Cluster, c.Target.Efficiency, c.Scheduler, w.Prompt.Mean + w.Output.Mean,
            ServingSimulation.LongestRequest(w), out var reason);
        if (simulation is null) return new Simulated(candidate, null, "does not fit: " + reason);
        return new Simulated(candidate, search.Run(simulation), null);
    }
}
