using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>The regimes checking points are reported by (a point can be in several): what kind of model, how large a
/// batch per attention replica, which vendor's GPU, how wide the expert parallelism, how the engine was driven. An
/// overall error hides where a model is wrong; the regimes are where users ask different questions.</summary>
public static class Regimes
{
    public const string DenseHighThroughput = "dense, batch >= 64 or engine-chosen";
    public const string MoeHighThroughput = "MoE, batch >= 64 or engine-chosen";
    public const string DenseSmallBatch = "dense, batch <= 8 per replica";
    public const string MoeLowConcurrency = "MoE, batch or concurrency <= 32 per replica";
    public const string Amd = "AMD GPUs (ROCm engines)";
    public const string WideEp = "expert parallelism >= 16";
    public const string Serving = "closed-loop serving at a concurrency";
    public const string Speculative = "speculative decoding (MTP)";

    public static readonly string[] All = { DenseHighThroughput, MoeHighThroughput, DenseSmallBatch, MoeLowConcurrency, Amd, WideEp, Serving, Speculative };

    /// <summary>The regimes of <paramref name="m"/>, given whether its model has MoE layers and its GPU's vendor.</summary>
    public static HashSet<string> Of(Measurement m, bool moe, string? vendor)
    {
        var set = new HashSet<string>();
        double? perReplica = m.Batch is { } b ? (double)b / (m.Dp ?? 1) : null;
        if (perReplica is null || perReplica >= 64) set.Add(moe ? MoeHighThroughput : DenseHighThroughput);
        if (!moe && perReplica <= 8) set.Add(DenseSmallBatch);
        if (moe && perReplica <= 32) set.Add(MoeLowConcurrency);
        if (vendor == "amd") set.Add(Amd);
        if ((m.Ep ?? 1) >= 16) set.Add(WideEp);
        if (m.Scenario == "concurrency") set.Add(Serving);
        if (m.Speculative.Length > 0) set.Add(Speculative);
        return set;
    }

    /// <summary>One line per regime with points among the predicted <paramref name="results"/> (the first for all of
    /// them): its count, MAPE and how many are off by more than 1.5x.</summary>
    public static IEnumerable<string> Summary(IReadOnlyList<ValidationResult> results, Func<Measurement, HashSet<string>> regimesOf, string label)
    {
        static string Line(string label, string regime, IReadOnlyList<ValidationResult> set) => FormattableString.Invariant(
            $"{label}, {regime}: n={set.Count}, MAPE {Validator.Mape(set.ToList()) * 100:F1}%, off by more than 1.5x: {set.Count(BeyondOneAndAHalf)}");
        var predicted = results.Where(r => r.Error is not null).ToList();
        if (predicted.Count == 0) yield break;
        yield return Line(label, "all", predicted);
        var regimes = predicted.ToDictionary(r => r, r => regimesOf(r.Measurement));
        foreach (var regime in All)
        {
            var set = predicted.Where(r => regimes[r].Contains(regime)).ToList();
            if (set.Count > 0) yield return Line(label, regime, set);
        }
    }

    /// <summary>Whether the prediction is off by more than 1.5x either way.</summary>
    public static bool BeyondOneAndAHalf(ValidationResult r) => r.Predicted is { } p && (p / r.Measurement.Value > 1.5 || r.Measurement.Value / p > 1.5);
}
