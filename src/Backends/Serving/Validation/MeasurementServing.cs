using System;
using GraphDsl.Backends.CostModel.Validation;
using GraphDsl.Backends.Serving.Specs;
using GraphDsl.Backends.Serving.Workloads;

namespace GraphDsl.Backends.Serving.Validation;

/// <summary>
/// <c>graphdsl validate</c>'s serving cross-check (<see cref="ServeMeasurement"/>): a closed-loop row as
/// <c>concurrency:C,prompt=P,output=O</c>, a max-throughput row as <c>offline:N,prompt=P,output=O</c> (N the published
/// count, <see cref="Measurement.Requests"/>, within <see cref="MaxServedTokens"/>), each with the run's lengths (fixed, or
/// drawn from the row's <see cref="Measurement.PromptRange"/> and <see cref="Measurement.OutputRange"/>) on the row's deployment and profile and the scheduler its engine ran (<see cref="EngineSchedulers"/>), and the
/// row's metric read from the run as benchmark_serving reports it (means over the requests).
/// </summary>
public static class MeasurementServing
{
    /// <summary>Rounds of C requests simulated per closed loop. With fixed lengths the C clients move in lockstep (they start
    /// together at time 0, so they finish together and send their next requests together), so every round is alike and a
    /// few give the mean of the published hundreds.</summary>
    public const long ClosedLoopRounds = 4;

    /// <summary>Requests of a max-throughput run simulated whatever their lengths (the published count when smaller); up to
    /// <see cref="MaxServedTokens"/> tokens it serves the published count. The count matters: the run's requests all arrive
    /// at once, so where the engine holds more sequences than that (Qwen3-235B with attention DP over 8 GPUs holds 3,000 to
    /// 32,000), they run as one wave whose batch is the request count, and a smaller count is a smaller batch.</summary>
    public const long MaxOfflineRequests = 2000;

    /// <summary>Requests of a max-throughput run whose source does not say: vLLM's benchmark_throughput.py default
    /// (<c>--num-prompts 1000</c>).</summary>
    public const long DefaultOfflineRequests = 1000;

    /// <summary>Most prompt and output tokens one row's simulation runs (requests x (P + O)), so validate stays fast on any
    /// dataset: the published rows need at most 4.1 million (RB24, 1,000 x 4,096); at worst, one sequence at a time, this
    /// many engine steps take seconds.</summary>
    public const long MaxServedTokens = 1L << 23;

    public static ServedFigure Serve(ServingQuestion q)
    {
        var m = q.Measurement;
        long prompt = m.Prompt!.Value, output = m.Output!.Value;
        int dp = q.Predictor.Compiled.Deployment.Layout.Dp;
        var scheduler = EngineSchedulers.For(m, q.Profile, dp, q.Regime);
        long published = m.Requests ?? (q.Regime == ServedRegime.MaxThroughput ? DefaultOfflineRequests : long.MaxValue);
        long fitting = MaxServedTokens / (prompt + output); // the requests of these lengths one row may simulate
        // Fixed lengths keep a closed loop's clients in lockstep, so a few rounds give the mean; drawn lengths spread them
        // out over the run, so the published count is served.
        bool lockstep = m.PromptRange is null && m.OutputRange is null;
        if (q.Regime == ServedRegime.ClosedLoop && !lockstep && m.Requests is null)
            return new ServedFigure(null, scheduler.ToString(), 0, "a closed loop of drawn lengths needs the published request count (column requests)");
        long requests = q.Regime == ServedRegime.ClosedLoop
            ? Math.Min(published, lockstep ? ClosedLoopRounds * m.Batch!.Value : long.MaxValue)
            : Math.Min(published, Math.Max(MaxOfflineRequests, fitting));
        if (requests > fitting)
            return new ServedFigure(null, scheduler.ToString(), requests,
                FormattableString.Invariant($"too large to serve here: {requests} requests of {prompt + output} tokens exceed {MaxServedTokens:N0} tokens"));
        // The published length distribution where the row gives one (a range ratio), else fixed lengths.
        var lengths = (Prompt: m.PromptRange is { } pr ? LengthSpec.Uniform(pr.Low, pr.High) : LengthSpec.Fixed(prompt),
            Output: m.OutputRange is { } or ? LengthSpec.Uniform(or.Low, or.High) : LengthSpec.Fixed(output));
        long longest = lengths.Prompt.Max + lengths.Output.Max;
        var workload = q.Regime == ServedRegime.ClosedLoop
            ? new WorkloadSpec(WorkloadKind.Concurrency, 0, m.Batch!.Value, 0, lengths.Prompt, lengths.Output, "")
            : new WorkloadSpec(WorkloadKind.Offline, 0, 0, requests, lengths.Prompt, lengths.Output, "");
        var simulation = ServingSimulation.Prepare(q.Predictor, q.Cluster, q.Profile, scheduler, prompt + output, longest, out var reason);
        if (simulation is null) return new ServedFigure(null, scheduler.ToString(), requests, "cannot serve: " + reason);
        if (EngineSchedulers.NoEvictLimit(q.Profile, scheduler, simulation.Kv, longest) is { } limited)
            simulation = ServingSimulation.Prepare(q.Predictor, q.Cluster, q.Profile, limited, prompt + output, longest, out _)!;
        var run = simulation.Run(new SyntheticSource(workload, requests, seed: 0), slo: null);
        var r = run.Report;
        double? value = m.Metric switch
        {
            "ttft_ms" => r.TtftMs.Mean,
            "tpot_ms" => r.TpotMs.Mean,
            "request_latency_ms" => r.E2eMs.Mean,
            "output_tokens_per_s" => r.OutputTokensPerSecond,
            // Closed loop: C sequences decoding, each a token per TPOT.
            "decode_tokens_per_s" when q.Regime == ServedRegime.ClosedLoop => m.Batch!.Value * 1000 / r.TpotMs.Mean,
            _ => null,
        };
        return value is { } v && double.IsFinite(v)
            ? new ServedFigure(v, run.Scheduler, requests, "")
            : new ServedFigure(null, run.Scheduler, requests, $"metric '{m.Metric}' not served");
    }
}
