using System;
using GraphDsl.Backends.CostModel.Evaluate;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.Serving.Engine;

/// <summary>A piece of prefill in an engine step: <see cref="Tokens"/> new prompt tokens whose cache ends at
/// <see cref="ContextEnd"/> tokens (the whole prompt at its first chunk: ContextEnd = Tokens).</summary>
public readonly record struct PrefillChunk(long Tokens, long ContextEnd);

/// <summary>
/// The time of one engine step, from the cost model's step evaluator (<see cref="StepEvaluator"/>): everything
/// <c>predict</c> prices (measured kernels, collectives, MoE routing, the overlap pass's two-stream schedule).
/// <para>The evaluator prices a step of <c>batch</c> sequences with <c>seq</c> new tokens each over <c>ctx</c> cached
/// tokens. Decode-only steps and prefill steps of alike chunks are one such call, the call <c>predict</c> makes.
/// A step that mixes prefill chunks of different lengths and contexts with decodes is one forward pass over all its
/// tokens: ops whose time does not depend on the context (GEMMs, MoE, norms, collectives, the head) are priced once at
/// the step's rows and tokens (rows = sequences in the step, seq = tokens / rows), so the weights are read once; ops
/// whose time depends on the context (attention and its KV reads) are priced per group of alike sequences and summed,
/// paying their kernel's fixed latency once, as one variable-length attention kernel runs them all. A step that starts
/// a prompt's prefill pays the profile's prefill overhead once (<c>ttft_overhead_us</c>, request setup and sampling, as
/// predict's prefill step does); any other step pays the decode step's (<c>step_us</c>). The approximations are in
/// docs/serving.md.</para>
/// </summary>
public sealed class StepPricer
{
    private readonly StepEvaluator _decode;
    private readonly StepEvaluator _prefill;
    private readonly CostPlan _plan;
    private readonly bool[] _contextEntry, _acrossReplicas;
    private readonly OpTiming[] _linear, _union, _group, _combined;
    private readonly StreamSchedule? _schedule;
    private readonly double _dp;
    private readonly double _prefillOverhead, _stepOverhead;
    private (long Tokens, long ContextEnd, long Count)[] _groups = new (long, long, long)[16];

    public StepPricer(Predictor predictor, Cluster cluster, EfficiencyProfile eff)
    {
        var compiled = predictor.Compiled;
        _plan = compiled.PrefillPlan;
        _decode = new StepEvaluator(compiled.DecodePlan, cluster, eff) { Routing = predictor.Routing };
        _prefill = new StepEvaluator(_plan, cluster, eff) { Routing = predictor.Routing };
        _dp = Math.Max(1, compiled.DecodePlan.Layout.Dp);
        _prefillOverhead = eff.PrefillSeconds;
        _stepOverhead = eff.StepSeconds;
        int n = _plan.Entries.Length;
        _linear = new OpTiming[n]; _union = new OpTiming[n]; _group = new OpTiming[n]; _combined = new OpTiming[n];
        _acrossReplicas = new bool[n];
        for (int i = 0; i < n; i++) _acrossReplicas[i] = SpansReplicas(_plan.Entries[i]);
        _schedule = _plan.HasAsync ? new StreamSchedule(_plan) : null;
        // Which ops depend on the context: those whose time moves when only the cached tokens change.
        _contextEntry = new bool[n];
        var shortContext = new OpTiming[n];
        _prefill.Evaluate(1, 256, 512, shortContext);
        _prefill.Evaluate(1, 256, 16384, _group);
        for (int i = 0; i < n; i++)
            _contextEntry[i] = Math.Abs(_group[i].Seconds - shortContext[i].Seconds) > 1e-12 * Math.Max(1e-9, Math.Abs(_group[i].Seconds));
    }

    /// <summary>Attention replicas (data-parallel): decodes are spread evenly over them, prefill chunks whole (the busiest
    /// replica, holding ceil(chunks / dp) of them, sets the step's replica-local ops; the ops across the replicas price
    /// the union of every replica's tokens, see <see cref="SpansReplicas"/>).</summary>
    public double Replicas => _dp;

    /// <summary>
    /// Whether an op works on every data-parallel replica's tokens at once: the MoE layer (its tokens are the replicas'
    /// gathered rows, or its own times the replicas it is fed by: <c>token_groups</c>) and the collectives that gather the
    /// replicas' rows to it and return them (axis <c>dp</c>, or the expert-parallel all-to-all over tp x dp). The
    /// evaluator states these at a replica's tokens times dp, which is the union only when the replicas carry alike work;
    /// a step whose replicas differ prices them at the mean replica (the union over dp), and the rest at the busiest
    /// replica, which every replica waits for at the gather (TensorRT-LLM's and SGLang's attention DP).
    /// </summary>
    public static bool SpansReplicas(PlanEntry e) => e.IsMoe || e.CommAxis is "dp" or "ep";

    /// <summary>A decode step of <paramref name="sequences"/> over the whole deployment, their caches summing to
    /// <paramref name="contextSum"/> tokens (the new token's included): predict's decode step at the mean context.</summary>
    public double DecodeSeconds(long sequences, double contextSum) =>
        _decode.Evaluate(sequences / _dp, 1, contextSum / sequences).Seconds;

    /// <summary>A step of prefill chunks and <paramref name="decodes"/> decodes (their caches summing to
    /// <paramref name="decodeContextSum"/> tokens).</summary>
    public double StepSeconds(ReadOnlySpan<PrefillChunk> chunks, long decodes, double decodeContextSum)
    {
        if (chunks.Length == 0) return decodes == 0 ? 0 : DecodeSeconds(decodes, decodeContextSum);
        int groups = Group(chunks);
        double overhead = _stepOverhead;
        foreach (var c in chunks) if (c.ContextEnd == c.Tokens) { overhead = _prefillOverhead; break; }
        // Decodes spread evenly over the attention replicas; a prompt's chunk lives on one replica, and the busiest
        // replica holds ceil(chunks / dp) of them (the replicas synchronise in every layer that crosses them).
        double share = Math.Ceiling(chunks.Length / _dp) / chunks.Length;
        // Alike chunks spread evenly over the replicas (every replica the same work) are predict's prefill step.
        if (groups == 1 && decodes == 0 && chunks.Length % _dp == 0)
        {
            var (tokens, end, count) = _groups[0];
            // The evaluator's prefill step includes the prefill overhead; a step continuing prompts pays the step's.
            return _prefill.Evaluate(count * share, tokens, end).Seconds - _prefillOverhead + overhead;
        }
        double rows = decodes / _dp + chunks.Length * share;
        double chunkTokens = 0;
        foreach (var c in chunks) chunkTokens += c.Tokens;
        double allTokens = decodes / _dp + chunkTokens * share;
        // Context-free ops once over the busiest replica's rows and tokens (the context given here is not used by them);
        // those across the replicas once over the mean replica's, so over the union of the step's tokens.
        _prefill.Evaluate(rows, allTokens / rows, allTokens / rows, _linear);
        double meanRows = (decodes + chunks.Length) / _dp, meanTokens = (decodes + chunkTokens) / _dp;
        bool uneven = meanRows != rows || meanTokens != allTokens;
        if (uneven) _prefill.Evaluate(meanRows, meanTokens / meanRows, meanTokens / meanRows, _union);
        Array.Copy(_linear, _combined, _linear.Length);
        for (int i = 0; i < _combined.Length; i++)
        {
            if (_contextEntry[i]) _combined[i] = default;
            else if (uneven && _acrossReplicas[i]) _combined[i] = _union[i];
        }
        for (int g = 0; g < groups; g++)
        {
            var (tokens, end, count) = _groups[g];
            AddContextOps(count * share, tokens, end);
        }
        if (decodes > 0) AddContextOps(decodes / _dp, 1, decodeContextSum / decodes);
        return _prefill.WithHostWork(Total(), rows) + overhead;
    }

    /// <summary>Adds one group's context-dependent ops to the step; their kernel's fixed latency is paid once.</summary>
    private void AddContextOps(double batch, double seq, double ctx)
    {
        _prefill.Evaluate(batch, seq, ctx, _group);
        for (int i = 0; i < _group.Length; i++)
        {
            if (!_contextEntry[i]) continue;
            ref var c = ref _combined[i];
            var t = _group[i];
            double launch = Math.Max(c.LaunchSeconds, t.LaunchSeconds);
            c.Seconds += t.Seconds - t.LaunchSeconds + (launch - c.LaunchSeconds);
            c.LaunchSeconds = launch;
            c.ComputeSeconds += t.ComputeSeconds;
            c.MemorySeconds += t.MemorySeconds;
            c.CommSeconds += t.CommSeconds;
            c.Flops += t.Flops;
            c.Bytes += t.Bytes;
            c.Bound = t.Bound;
        }
    }

    /// <summary>The step from its ops' times: the two-stream schedule when collectives overlap, else their sum (pipeline
    /// stages one after another, as the evaluator does).</summary>
    private double Total()
    {
        double sum = 0;
        if (_schedule is not null)
        {
            _schedule.Run(_combined);
            foreach (var s in _schedule.StageSeconds) sum += s;
        }
        else
        {
            var entries = _plan.Entries;
            for (int i = 0; i < entries.Length; i++) sum += _combined[i].Seconds * entries[i].Multiplicity;
        }
        return sum;
    }

    /// <summary>Collects alike chunks (same tokens and context) into groups; returns how many.</summary>
    private int Group(ReadOnlySpan<PrefillChunk> chunks)
    {
        int groups = 0;
        foreach (var c in chunks)
        {
            int g = 0;
            while (g < groups && (_groups[g].Tokens != c.Tokens || _groups[g].ContextEnd != c.ContextEnd)) g++;
            if (g == groups)
            {
                if (groups == _groups.Length) Array.Resize(ref _groups, groups * 2);
                _groups[groups++] = (c.Tokens, c.ContextEnd, 0);
            }
            _groups[g].Count++;
        }
        return groups;
    }
}
