using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;

namespace GraphDsl.Backends.CostModel.Validation;

/// <summary>
/// Fits an engine's efficiency constants to its calibration ("C") measurements: coordinate descent
/// over each free constant within physical bounds, minimizing the mean absolute log error
/// |ln(predicted / measured)| (symmetric in over- and under-prediction). Only constants the data can
/// identify should be freed: batch-1 decode fixes bandwidth and overheads, prefill fixes GEMM and
/// attention efficiency. Never fit to fewer points than twice the free constants.
/// </summary>
public static class Calibrator
{
    public sealed record Parameter(string Name, double Min, double Max, Func<EfficiencyProfile, double> Get, Func<EfficiencyProfile, double, EfficiencyProfile> Set);

    public static readonly IReadOnlyDictionary<string, Parameter> Parameters = new Dictionary<string, Parameter>
    {
        // One GEMM efficiency for dense and grouped (expert) GEMMs unless eta_grouped_gemm is freed as well.
        ["eta_gemm"] = new("eta_gemm", 0.2, 1.0, p => p.EtaGemm, (p, v) => p with { EtaGemm = v, EtaGroupedGemm = v }),
        ["eta_grouped_gemm"] = new("eta_grouped_gemm", 0.1, 1.0, p => p.EtaGroupedGemm, (p, v) => p with { EtaGroupedGemm = v }),
        ["eta_attention"] = new("eta_attention", 0.1, 1.0, p => p.EtaAttention, (p, v) => p with { EtaAttention = v }),
        ["eta_hbm"] = new("eta_hbm", 0.3, 1.0, p => p.EtaHbm, (p, v) => p with { EtaHbm = v }),
        ["eta_link"] = new("eta_link", 0.1, 1.0, p => p.EtaLink, (p, v) => p with { EtaLink = v }),
        ["dequant_ops"] = new("dequant_ops", 0, 40, p => p.DequantOps, (p, v) => p with { DequantOps = v }),
        ["kernel_us"] = new("kernel_us", 0, 30, p => p.KernelSeconds * 1e6, (p, v) => p with { KernelSeconds = v * 1e-6 }),
        ["collective_us"] = new("collective_us", 0, 100, p => p.CollectiveSeconds * 1e6, (p, v) => p with { CollectiveSeconds = v * 1e-6 }),
        ["ttft_overhead_us"] = new("ttft_overhead_us", 0, 20000, p => p.PrefillSeconds * 1e6, (p, v) => p with { PrefillSeconds = v * 1e-6 }),
        ["step_us"] = new("step_us", 0, 5000, p => p.StepSeconds * 1e6, (p, v) => p with { StepSeconds = v * 1e-6 }),
    };

    public static double Loss(Validator v, IReadOnlyList<Measurement> rows, EfficiencyProfile p)
    {
        double sum = 0; int n = 0;
        foreach (var m in rows)
        {
            var r = v.Predict(m, p);
            if (r.Predicted is not { } pred || pred <= 0) continue;
            sum += Math.Abs(Math.Log(pred / m.Value));
            n++;
        }
        return n == 0 ? double.PositiveInfinity : sum / n;
    }

    public static EfficiencyProfile Fit(Validator v, IReadOnlyList<Measurement> rows, EfficiencyProfile start, IReadOnlyList<string> free, int sweeps = 6)
    {
        if (rows.Count < 2 * free.Count)
            throw new ArgumentException($"{rows.Count} calibration points cannot identify {free.Count} constants (need at least {2 * free.Count})");
        var p = start;
        double best = Loss(v, rows, p);
        for (int s = 0; s < sweeps; s++)
        {
            foreach (var name in free)
            {
                var par = Parameters[name];
                // Golden-section search on this constant with the others fixed.
                double lo = par.Min, hi = par.Max;
                const double g = 0.6180339887498949;
                double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
                double fa = Loss(v, rows, par.Set(p, a)), fb = Loss(v, rows, par.Set(p, b));
                for (int it = 0; it < 30; it++)
                {
                    if (fa <= fb) { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = Loss(v, rows, par.Set(p, a)); }
                    else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = Loss(v, rows, par.Set(p, b)); }
                }
                double x = (lo + hi) / 2, fx = Loss(v, rows, par.Set(p, x));
                if (fx < best) { best = fx; p = par.Set(p, x); }
            }
        }
        return p;
    }
}
