using System;
using System.Linq;
using GraphDsl.Backends.Serving.Metrics;

namespace GraphDsl.Backends.Serving.Tests;

/// <summary>The per-second time series of a run (Llama 3 70B, FP8, TP8 on 8 H100s): its intervals add up to the run's
/// totals, a closed loop keeps its C requests running or waiting in every full second, a disaggregated run sums its
/// engines, and a run longer than <see cref="TimeSeries.MaxPoints"/> seconds widens its intervals instead of growing.</summary>
public class TimeSeriesTests
{
    /// <summary>Every token and completion lands in exactly one interval; with no preemption every prompt token is
    /// prefilled once.</summary>
    [Fact]
    public void The_intervals_add_up_to_the_runs_totals()
    {
        var run = Deployments.Serve("poisson:rate=4,prompt=uniform:512-3584,output=uniform:64-448", "chunked", requests: 300);
        var m = run.Report;
        Assert.Equal(0, m.Preemptions);
        Assert.Equal(1.0, m.TimeSeriesIntervalSeconds);
        Assert.Equal((int)Math.Ceiling(m.DurationSeconds), m.TimeSeries.Count);
        Assert.Equal(Enumerable.Range(0, m.TimeSeries.Count).Select(i => (double)i), m.TimeSeries.Select(p => p.StartSeconds));
        Assert.Equal(m.OutputTokens, m.TimeSeries.Sum(p => p.OutputTokensPerSecond), 6);
        Assert.Equal(m.InputTokens, m.TimeSeries.Sum(p => p.PrefillTokensPerSecond), 6);
        Assert.Equal(m.Completed, m.TimeSeries.Sum(p => p.Completed));
        Assert.All(m.TimeSeries, p => Assert.InRange(p.KvUtilization, 0, m.KvPeakUtilization + 1e-12));
        // Requests arrive all along and each runs for seconds: no second before the last is without one in flight.
        Assert.All(m.TimeSeries.SkipLast(1), p => Assert.True(p.Running > 0));
    }

    /// <summary>A closed loop of 16 clients: a completion sends the next request at once, so in every whole second the
    /// requests running and waiting add up to 16 (the last seconds are left out: once the 400th request is sent, the loop drains).</summary>
    [Fact]
    public void A_closed_loop_keeps_its_clients_in_flight()
    {
        var run = Deployments.Serve("concurrency:16,prompt=1024,output=128", "continuous", requests: 400);
        var full = run.Report.TimeSeries.Where(p => p.StartSeconds + 1 <= run.Report.DurationSeconds - 10).ToList();
        Assert.True(full.Count >= 5, $"{full.Count} whole seconds");
        foreach (var p in full) Assert.Equal(16, p.Running + p.Waiting, 6);
        // Continuous batching runs every request in flight in its decode steps: the batch is at most 16.
        Assert.All(full, p => Assert.InRange(p.Batch, 1, 16));
    }

    /// <summary>Disaggregated instances share the metrics: the series counts every instance's tokens and requests.</summary>
    [Fact]
    public void A_disaggregated_run_sums_its_instances()
    {
        const string Workload = "poisson:rate=3,prompt=2048,output=128";
        var run = MultiEngine.Run(MultiEngine.Disagg("disagg{prefill=tp4x1,decode=tp4x1}", Workload), Workload, requests: 200);
        var m = run.Report;
        Assert.Equal(m.OutputTokens, m.TimeSeries.Sum(p => p.OutputTokensPerSecond), 6);
        Assert.Equal(m.Completed, m.TimeSeries.Sum(p => p.Completed));
    }

    /// <summary>Past <see cref="TimeSeries.MaxPoints"/> seconds the intervals double, merging neighbours: totals and
    /// time-weighted means keep their meaning.</summary>
    [Fact]
    public void A_long_run_widens_its_intervals()
    {
        var s = new TimeSeries();
        // One step of 2 s with 4 running from t = 1, then one at t = 5,000 s.
        s.Step(1, 2, sequences: 4, running: 4, waiting: 2, kvShare: 0.5, emitted: 4, prefillTokens: 0);
        Assert.Equal(1.0, s.IntervalSeconds);
        s.Step(5000, 0.5, sequences: 1, running: 1, waiting: 0, kvShare: 0.25, emitted: 1, prefillTokens: 100);
        s.Completed(5000.5);
        Assert.Equal(2.0, s.IntervalSeconds);
        var points = s.Points(5000.5);
        Assert.Equal(2501, points.Count);
        Assert.True(points.Count <= TimeSeries.MaxPoints);
        // [0, 2): 1 s of the first step; [2, 4): its other second.
        Assert.Equal((2.0, 1.0, 0.5), (points[0].Running, points[0].Waiting, points[0].KvUtilization));
        Assert.Equal(2.0, points[1].Running);
        Assert.Equal((4.0, 4 / 2.0), (points[0].Batch, points[1].OutputTokensPerSecond));
        Assert.Equal((50.0, 1L), (points[2500].PrefillTokensPerSecond, points[2500].Completed));
    }
}
