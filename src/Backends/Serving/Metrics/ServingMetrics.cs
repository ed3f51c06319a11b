using System;
using GraphDsl.Backends.Serving.Specs;

namespace GraphDsl.Backends.Serving.Metrics;

/// <summary>Collects a run's metrics as it goes, in memory bounded by the request count (three floats a request) and never
/// by the token count: inter-token gaps go to a histogram.</summary>
public sealed class ServingMetrics
{
    private readonly PerRequestValues _ttft = new(), _tpot = new(), _e2e = new();
    private readonly LatencyHistogram _itl = new();
    private readonly SloSpec? _slo;
    private long _completed, _rejected, _good, _input, _output, _preemptions, _steps, _stepSequences;
    private double _end, _kvTime, _kvPeak;
    private readonly TimeSeries _series = new();

    public ServingMetrics(SloSpec? slo) { _slo = slo; }

    public void Finished(double arrival, double firstToken, double end, long prompt, long output)
    {
        double ttft = (firstToken - arrival) * 1e3, e2e = (end - arrival) * 1e3;
        _ttft.Add(ttft);
        _e2e.Add(e2e);
        double tpot = 0;
        if (output > 1) { tpot = (e2e - ttft) / (output - 1); _tpot.Add(tpot); }
        if (_slo is not null && _slo.Met(ttft, tpot)) _good++;
        _completed++;
        _input += prompt;
        _output += output;
        _end = Math.Max(_end, end);
        _series.Completed(end);
    }

    public void Rejected() => _rejected++;
    public void Preempted() => _preemptions++;
    public void Gaps(double seconds, long count) => _itl.Add(seconds, count);

    /// <summary>An engine step from <paramref name="start"/>: its sequences, the requests in flight and waiting on its engine,
    /// its cache's used share, the tokens it emits and the prompt tokens it prefills.</summary>
    public void Step(double start, double seconds, long sequences, double kvShare, int running, int waiting, long emitted, long prefillTokens)
    {
        _series.Step(start, seconds, sequences, running, waiting, kvShare, emitted, prefillTokens);
        _steps++;
        _stepSequences += sequences;
        _kvTime += kvShare * seconds;
        _kvPeak = Math.Max(_kvPeak, kvShare);
    }

    public ServingReport Report(int gpus, long kvBlocks, int blockTokens, double busySeconds)
    {
        double d = _end > 0 ? _end : double.NaN;
        var tpot = _tpot.Summarise();
        return new ServingReport
        {
            Completed = _completed,
            Rejected = _rejected,
            DurationSeconds = _end,
            InputTokens = _input,
            OutputTokens = _output,
            RequestThroughput = _completed / d,
            OutputTokensPerSecond = _output / d,
            TotalTokensPerSecond = (_input + _output) / d,
            OutputTokensPerSecondPerGpu = _output / d / gpus,
            OutputTokensPerSecondPerUser = 1e3 / tpot.Mean,
            TtftMs = _ttft.Summarise(),
            TpotMs = tpot,
            TtftPercentilesMs = _ttft.Percentiles(),
            TpotPercentilesMs = _tpot.Percentiles(),
            ItlMs = _itl.Summarise(),
            E2eMs = _e2e.Summarise(),
            GoodputRequestsPerSecond = _slo is null ? null : _good / d,
            Preemptions = _preemptions,
            Steps = _steps,
            MeanBatch = _steps > 0 ? (double)_stepSequences / _steps : 0,
            KvUtilization = busySeconds > 0 ? _kvTime / busySeconds : 0,
            KvPeakUtilization = _kvPeak,
            KvBlocks = kvBlocks,
            KvBlockTokens = blockTokens,
            TimeSeries = _series.Points(_end),
            TimeSeriesIntervalSeconds = _series.IntervalSeconds,
        };
    }
}
