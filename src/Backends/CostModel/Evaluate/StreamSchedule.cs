using System;
using System.Collections.Generic;
using GraphDsl.Backends.CostModel.Plan;

namespace GraphDsl.Backends.CostModel.Evaluate;

public enum StreamKind { Compute, Communication }

/// <summary>One op execution on one stream of a pipeline stage's GPUs (seconds from the step's start).</summary>
public readonly record struct StreamEvent(int Entry, int Stage, StreamKind Stream, double Start, double Duration, string Name, string Loop, long Iteration);

/// <summary>
/// Schedules one step over two streams per pipeline stage: compute (kernels in program order) and
/// communication (collectives in program order). A synchronous collective blocks both. An asynchronous
/// one (comm.start) starts when the compute stream reaches it and the link is free; its comm.wait holds
/// the compute stream until it ends. While a collective is in flight it occupies a share of the SMs
/// (<see cref="OpTiming.SmShare"/>: the start's <c>sm_share</c>, or that of the DeepEP kernels carrying it), so compute overlapping it runs 1 / (1 - share) slower: the step drops by
/// what is hidden, less that contention. A fused collective (T3/TokenWeave/FlashMoE) streams its
/// producer GEMM's output in <see cref="FusedChunks"/> chunks: it can begin after the first chunk and
/// ends no earlier than one chunk's transfer after the GEMM.
/// </summary>
/// <remarks>
/// Every wait precedes its region's end (the verifier's rule), so a loop body leaves both streams idle
/// and its iterations are alike: the step time schedules each body once with times scaled by its trip
/// count (max-plus schedules scale linearly); a trace unrolls the loops instead.
/// </remarks>
public sealed class StreamSchedule
{
    /// <summary>Chunks a fused collective is cut into (T3 tracks the GEMM's output tiles; a tile row of a
    /// decode GEMM is about an eighth of it on an H100's 132 SMs). Sets only the exposed tail.</summary>
    public const double FusedChunks = 8;

    private readonly CostPlan _plan;
    private readonly double[] _commEnd;
    private OpTiming[] _timings = Array.Empty<OpTiming>();
    private List<StreamEvent>? _events;
    private double _tc, _tm, _lastStart, _lastDuration, _offset;
    private int _stage;
    private readonly double[] _stageSeconds;

    public StreamSchedule(CostPlan plan)
    {
        _plan = plan;
        _commEnd = new double[plan.Entries.Length];
        _stageSeconds = new double[plan.Layout.Pp];
    }

    /// <summary>Each stage's time for one step (stages run one after another for one token).</summary>
    public IReadOnlyList<double> StageSeconds => _stageSeconds;

    /// <summary>Schedules the step from per-execution <paramref name="timings"/>; with <paramref name="events"/>
    /// the loops are unrolled and every execution is recorded.</summary>
    public void Run(OpTiming[] timings, List<StreamEvent>? events = null)
    {
        _timings = timings; _events = events;
        _tc = _tm = _lastStart = _lastDuration = _offset = 0;
        _stage = 0;
        Array.Clear(_stageSeconds, 0, _stageSeconds.Length);
        Walk(_plan.Schedule, 1, "", 0);
        _stageSeconds[_stage] = Math.Max(_tc, _tm);
    }

    private void Walk(ScheduleLoop loop, double scale, string loopName, long iteration)
    {
        foreach (var item in loop.Items)
        {
            if (item.Loop is { } inner)
            {
                if (_events is null) Walk(inner, scale * inner.Count, inner.Name, 0);
                else for (long i = 0; i < inner.Count; i++) Walk(inner, scale, inner.Name, i);
                continue;
            }
            Step(item.Entry, scale, loopName, iteration);
        }
    }

    private void Step(int index, double scale, string loop, long iteration)
    {
        var e = _plan.Entries[index];
        if (e.Stage != _stage)
        {
            // The next stage starts when this one hands over its activations.
            _stageSeconds[_stage] = Math.Max(_tc, _tm);
            _offset += _stageSeconds[_stage];
            _stage = e.Stage;
            _tc = _tm = _lastStart = _lastDuration = 0;
        }
        double d = _timings[index].Seconds * scale;
        switch (e.Async)
        {
            case AsyncRole.Wait:
                _tc = Math.Max(_tc, _commEnd[e.StartEntry]);
                return;
            case AsyncRole.Start:
                StartAsync(index, e, d, loop, iteration);
                return;
        }
        if (e.Collective != CollectiveKind.None)
        {
            double s = Math.Max(_tc, _tm);
            Record(index, StreamKind.Communication, s, d, loop, iteration);
            _tc = _tm = s + d;
            return;
        }
        if (d <= 0) return;
        // Compute overlapping an in-flight collective shares the SMs with it.
        double overlap = Math.Min(d, Math.Max(0, _tm - _tc));
        double share = _tm > _tc ? _inFlightShare : 0;
        double stretched = d + overlap * share / (1 - share);
        Record(index, StreamKind.Compute, _tc, stretched, loop, iteration);
        _lastStart = _tc; _lastDuration = stretched;
        _tc += stretched;
    }

    private double _inFlightShare;

    private void StartAsync(int index, PlanEntry e, double d, string loop, long iteration)
    {
        double share = Math.Clamp(_timings[index].SmShare, 0, 0.5);
        double start, end;
        if (e.Fused)
        {
            // The producer GEMM gives up `share` of its SMs while the transfer runs beside it.
            double together = Math.Min(_lastDuration, d);
            double extra = together * share / (1 - share);
            _tc += extra;
            start = Math.Max(_tm, _lastStart + (_lastDuration + extra) / FusedChunks);
            end = Math.Max(start + d, _tc + d / FusedChunks);
        }
        else
        {
            start = Math.Max(_tc, _tm);
            end = start + d;
        }
        Record(index, StreamKind.Communication, start, end - start, loop, iteration);
        _tm = end;
        _commEnd[index] = end;
        _inFlightShare = share;
    }

    private void Record(int index, StreamKind stream, double start, double duration, string loop, long iteration)
    {
        if (_events is null || duration <= 0) return;
        _events.Add(new StreamEvent(index, _stage, stream, _offset + start, duration, _plan.Entries[index].Op, loop, iteration));
    }
}
