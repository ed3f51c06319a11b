using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>The serving measurements a simulation cross-checks: closed loops of C clients (<c>workload</c> =
/// <c>concurrency</c>) and max-throughput runs whose batch the engine chose.</summary>
public enum ServedRegime { ClosedLoop, MaxThroughput }

/// <summary>What a served cross-check is asked: the row, its regime, and the deployment the validator priced it on.</summary>
public sealed record ServingQuestion(Measurement Measurement, ServedRegime Regime, Predictor Predictor, Cluster Cluster, EfficiencyProfile Profile);

/// <summary>A row's metric as a serving simulation gives it (null with <see cref="Skipped"/> saying why not), with the
/// scheduler and the number of requests it ran.</summary>
public sealed record ServedFigure(double? Value, string Scheduler, long Requests, string Skipped);

/// <summary>Simulates a serving measurement. The host injects it (the CLI and the tests pass
/// <c>GraphDsl.Backends.Serving.Validation.MeasurementServing.Serve</c>): the serving simulator depends on this project,
/// so the validator cannot call it directly.</summary>
public delegate ServedFigure ServeMeasurement(ServingQuestion question);

/// <summary>Which rows a served cross-check covers, and its summary: the analytic and the served MAPE over the same rows.</summary>
public static class ServedCheck
{
    /// <summary>The regime a row is served in, or null: closed-loop rows with a concurrency, and max-throughput rows
    /// (output tokens/s, batch chosen by the engine), each with published lengths and no speculative decoding.</summary>
    public static ServedRegime? RegimeOf(Measurement m)
    {
        if (m.Prompt is null || m.Output is null || m.Speculative.Length > 0) return null;
        if (m.Scenario == "concurrency") return m.Batch is null ? null : ServedRegime.ClosedLoop;
        return m.Batch is null && m.Metric == "output_tokens_per_s" ? ServedRegime.MaxThroughput : null;
    }

    /// <summary>Whether a row of this regime is scored by its served figure. A closed loop (bench_serving's clients at
    /// --max-concurrency) is a workload, and the command that answers a workload is <c>graphdsl serve</c>: <c>predict</c> has no
    /// closed-loop mode, so the validator's steady-state formula (<see cref="Validator"/>'s <c>Serving</c>: staggered clients,
    /// one prompt's prefill per TTFT) is something no user is shown, and it misses what the harness does (all clients start
    /// together and, with fixed lengths, stay in lockstep). A max-throughput run is a batch <c>predict</c> prices itself, so
    /// the analytic prediction stays its score and the served figure a cross-check.</summary>
    public static bool ScoredByServe(ServedRegime regime) => regime == ServedRegime.ClosedLoop;

    public static string Name(ServedRegime regime) => regime == ServedRegime.ClosedLoop ? "closed-loop" : "max-throughput";

    /// <summary>The served figure's signed error against the measurement, as a fraction.</summary>
    public static double? ServedError(ValidationResult r) =>
        r.Served?.Value is { } s ? (s - r.Measurement.Value) / r.Measurement.Value : null;

    /// <summary>One line per regime and metric (then per regime, then all) over the rows with both an analytic and a served
    /// figure: the count and both MAPEs. Empty when nothing was served.</summary>
    public static IEnumerable<string> Summary(IReadOnlyList<ValidationResult> results)
    {
        var both = results.Where(r => r.AnalyticError is not null && ServedError(r) is not null).ToList();
        if (both.Count == 0) yield break;
        static string Line(string what, IReadOnlyList<ValidationResult> set) => FormattableString.Invariant(
            $"served {what}: n={set.Count}, MAPE analytic {set.Average(r => Math.Abs(r.AnalyticError!.Value)) * 100:F1}%, served {set.Average(r => Math.Abs(ServedError(r)!.Value)) * 100:F1}%");
        foreach (var regime in new[] { ServedRegime.ClosedLoop, ServedRegime.MaxThroughput })
        {
            var inRegime = both.Where(r => RegimeOf(r.Measurement) == regime).ToList();
            if (inRegime.Count == 0) continue;
            foreach (var metric in inRegime.Select(r => r.Measurement.Metric).Distinct().OrderBy(x => x, StringComparer.Ordinal))
                yield return Line($"{Name(regime)} {metric}", inRegime.Where(r => r.Measurement.Metric == metric).ToList());
            yield return Line(Name(regime), inRegime);
        }
        yield return Line("all", both);
    }
}
