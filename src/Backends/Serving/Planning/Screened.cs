using GraphDsl.Backends.Serving.Metrics;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>The step model's estimate of a candidate under the workload (<see cref="AggregatedFamily"/> states how):
/// its output tokens/s per GPU and per user, a request's TTFT and TPOT, and the sequences it runs at once.</summary>
public readonly record struct ScreenEstimate(double OutputTokensPerSecondPerGpu, double OutputTokensPerSecondPerUser, double TtftMs, double TpotMs, double Concurrency)
{
    public bool Meets(Specs.SloSpec slo) => slo.Met(TtftMs, TpotMs);
}

/// <summary>A candidate after the screen: its estimate, or why it cannot serve the workload (it does not fit, or a pass
/// refused the layout).</summary>
public sealed record Screened(PlanCandidate Candidate, ScreenEstimate? Estimate, string? Problem);

/// <summary>A candidate after simulation: the serving report, or why it could not be simulated.</summary>
public sealed record Simulated(Screened Screened, ServingReport? Report, string? Problem)
{
    public PlanCandidate Candidate => Screened.Candidate;

    /// <summary>Whether Poisson traffic outran the deployment (<see cref="Planner.Overloaded"/>): its queue grows without
    /// bound, so the percentiles of the requests simulated say only how few they were.</summary>
    public bool Overloaded { get; init; }

    /// <summary>Whether the deployment kept up with the traffic, every request completed and the p90 TTFT and TPOT meet the
    /// targets given.</summary>
    public bool Meets(Specs.SloSpec slo) => !Overloaded && Report is { Rejected: 0, Completed: > 0 } r && slo.Met(r.TtftMs.P90, r.TpotMs.P90);

    /// <summary>Whether the run has both front coordinates (some request completed with more than one output token).</summary>
    public bool HasFigures => Report is { } r && double.IsFinite(r.OutputTokensPerSecondPerGpu) && double.IsFinite(r.OutputTokensPerSecondPerUser);
}
