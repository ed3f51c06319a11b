using System.Collections.Generic;

namespace GraphDsl.Cli.Plots;

/// <summary>A picture a command can draw with <c>--plot [KIND:]FILE.svg</c>: its name and what it shows. Each command
/// lists the kinds it draws, the first its default.</summary>
public sealed record PlotKind(string Name, string Summary)
{
    public static readonly PlotKind Roofline = new("roofline", "arithmetic intensity against achieved FLOP/s of every op, log-log, under the device's compute and bandwidth roofs");
    public static readonly PlotKind Memory = new("memory", "one GPU's memory: weights, KV cache, recurrent state (hybrid models), activations, runtime reserve and free, against the capacity");
    public static readonly PlotKind Time = new("time", "the prefill and decode steps by what bounds them (compute, memory, communication, launch)");
    public static readonly PlotKind Pareto = new("pareto", "output tokens/s per GPU against tokens/s per user, the Pareto front highlighted, the TPOT SLO as a line");
    public static readonly PlotKind ParetoTpot = new("pareto-tpot", "output tokens/s per GPU against TPOT (ms), the same front");
    public static readonly PlotKind Latency = new("latency", "TTFT and TPOT distributions (CDF) with the SLO targets and p90");
    public static readonly PlotKind TimeSeries = new("time-series", "the run over time, per interval: requests running and waiting, KV cache utilisation, output and prefill tokens/s");

    public static IReadOnlyList<PlotKind> All { get; } = new[] { Roofline, Memory, Time, Pareto, ParetoTpot, Latency, TimeSeries };

    // Which commands draw which kinds, the first of each list its default.
    public static readonly PlotKind[] Predict = { Roofline, Memory, Time };
    public static readonly PlotKind[] Sweep = { Pareto, ParetoTpot };
    public static readonly PlotKind[] Plan = { Pareto, ParetoTpot };
    public static readonly PlotKind[] Serve = { Latency, TimeSeries };
}
