namespace GraphDsl.Backends.Serving.Metrics;

/// <summary>
/// What a simulated run measured, named as vLLM's benchmark_serving prints it: throughputs over the run's duration
/// (time 0 to the last completion), and per-request latencies in milliseconds: time to first token, time per output
/// token after the first ((e2e - ttft) / (output - 1), requests of one output token left out), inter-token latency
/// (every gap between two tokens of a request) and end-to-end latency. Goodput counts the requests meeting the SLO.
/// </summary>
public sealed record ServingReport
{
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public double DurationSeconds { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public double RequestThroughput { get; init; }
    public double OutputTokensPerSecond { get; init; }
    public double TotalTokensPerSecond { get; init; }
    public double OutputTokensPerSecondPerGpu { get; init; }
    /// <summary>One user's decode speed, 1000 / mean TPOT (AIConfigurator's tokens/s/user).</summary>
    public double OutputTokensPerSecondPerUser { get; init; }
    public Distribution TtftMs { get; init; }
    public Distribution TpotMs { get; init; }
    /// <summary>The 0th to 100th percentiles of TTFT and TPOT (101 values each, empty without requests): their CDFs,
    /// for <c>serve --plot</c>.</summary>
    public PercentileCurve TtftPercentilesMs { get; init; } = PercentileCurve.None;
    public PercentileCurve TpotPercentilesMs { get; init; } = PercentileCurve.None;
    public Distribution ItlMs { get; init; }
    public Distribution E2eMs { get; init; }
    /// <summary>Requests meeting every SLO target per second; null without --slo.</summary>
    public double? GoodputRequestsPerSecond { get; init; }
    public long Preemptions { get; init; }
    public long Steps { get; init; }
    /// <summary>Sequences per engine step (decodes and prefill chunks), the mean over steps.</summary>
    public double MeanBatch { get; init; }
    /// <summary>Used KV blocks over all, averaged over time, and the most used at once.</summary>
    public double KvUtilization { get; init; }
    public double KvPeakUtilization { get; init; }
    public long KvBlocks { get; init; }
    public int KvBlockTokens { get; init; }
    /// <summary>Prefix caching (null when off): cached prompt tokens over all prompt tokens prefilled (vLLM's prefix cache
    /// hit rate), the admissions that hit, the tokens they skipped, and the cached prefixes evicted.</summary>
    public double? PrefixCacheHitRate { get; init; }
    public long? PrefixCacheHits { get; init; }
    public long? PrefixCacheHitTokens { get; init; }
    public long? PrefixCacheEvictions { get; init; }
    /// <summary>The run per interval of <see cref="TimeSeriesIntervalSeconds"/> (one second unless the run is longer than
    /// <see cref="Metrics.TimeSeries.MaxPoints"/> seconds), from time 0 to the last completion.</summary>
    public TimePoints TimeSeries { get; init; } = TimePoints.None;
    public double TimeSeriesIntervalSeconds { get; init; } = 1;
}
