using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// The small-M time of a GEMM (a TensorRT-LLM, vLLM or SGLang <c>Linear</c> as AIConfigurator times it: the layer's forward on
/// 16-bit activations, so FP8 and NVFP4 rows include the kernel that quantizes the activations) beside the cost model's law
/// <c>fixed + max(FLOPs / rate, bytes / streaming bandwidth)</c>. Forms tried on every row of one engine's table per format:
/// <list type="bullet">
/// <item><b>fixed</b>: the law with its fixed latency refitted (the weight bytes already stream at the measured bandwidth:
/// "fixed + bytes / bandwidth");</item>
/// <item><b>per-K, serial</b>: <c>fixed + c x K + max(...)</c>. A GEMM without split-K gives each CTA one output tile and walks the
/// whole reduction dimension in K / tile_K mainloop steps (CUTLASS's collective mainloops, e.g.
/// include/cutlass/gemm/collective/sm100_blockscaled_mma_warpspecialized.hpp: <c>k_tile_count</c> iterations of TMA load + MMA per
/// tile), so at a few rows, when the N / tile_N tiles cannot fill the GPU, the time grows with K at one step's latency,
/// not with the weight bytes;</item>
/// <item>(<b>per-K, overlapped</b>: <c>fixed + max(c x K, FLOPs / rate, bytes / bandwidth)</c>, the serial K walk as one more bound:
/// tried once on the A100 and H100 tables: medians within 0.025 of the serial form's, lower on some tables and higher on
/// others (0.04 higher over all of vLLM's block-FP8 rows), so no longer fitted; docs/cost-model.md);</item>
/// <item>each of these with the <b>activation quantization</b> (FP8, block FP8, NVFP4): <c>q x m x K</c>, the separate kernel
/// that reads the 16-bit activations and writes the narrow ones and their scales, at the rate
/// <see cref="QuantizeSeconds"/> derives from the engine's own quantize table (not fitted here).</item>
/// </list>
/// Each form's coefficients minimise the median |ln(predicted / measured)| over the format's rows; a form is kept only where it
/// lowers that median over all rows and over the small-M rows (m at most <see cref="SmallM"/>) against the law as the cost model
/// has it (MoeRowFit's rule); of the kept ones, the lowest median over all rows wins.
/// </summary>
public static class GemmKFit
{
    public const double SmallM = 16;

    /// <summary>One table row: rows m, output width n, reduction depth k, measured seconds.</summary>
    public sealed record Row(double M, double N, double K, double Seconds);

    /// <summary>A law's coefficients: the fixed latency, seconds per K element, whether the K walk overlaps the streaming and
    /// math (max) or adds to them, and seconds per activation element quantized (m x K; 0 for none).</summary>
    public sealed record Form(string Name, double Fixed, double PerK, bool Overlapped, double Quantize);

    public sealed record Scored(Form Form, MoeRowFit.Bucket All, MoeRowFit.Bucket Small);

    public sealed record Result(Scored Before, IReadOnlyList<Scored> Tried)
    {
        /// <summary>The law with its fixed latency refitted and no new term.</summary>
        public Scored Refit => Tried[0];

        /// <summary>The kept form, each new term kept only where it lowers the median over all rows and over the small-M rows
        /// against the form without it (MoeRowFit's rule): the per-K term against the law as it is and against the law with its
        /// fixed latency refitted (a term is kept for what it explains beyond a better intercept); then the quantization against
        /// the form kept so far. Null where no term is kept, or where the kept form still errs by more than <see cref="MaxKeptError"/>.</summary>
        public Scored? Kept
        {
            get
            {
                Scored? Named(string name) => Tried.FirstOrDefault(s => s.Form.Name == name);
                Scored? kept = null;
                if (Named("per-K serial") is { } k && Lowers(k, Before) && Lowers(k, Refit)) kept = k;
                var quantized = Named(kept is null ? "fixed + quantize" : "per-K serial + quantize");
                if (quantized is not null && Lowers(quantized, kept ?? Before) && Lowers(quantized, kept ?? Refit)) kept = quantized;
                // A table the law cannot describe even with the terms is left alone (GB200's vLLM 0.14.0 block FP8: 58x slower
                // than the law, 0.68 median |ln| after the fit, at the top of the per-K grid).
                return kept is { All.MedianAbsLn: <= MaxKeptError } ? kept : null;
            }
        }

        public const double MaxKeptError = 0.3;

        private static bool Lowers(Scored s, Scored than) =>
            s.All.MedianAbsLn < than.All.MedianAbsLn && s.Small.MedianAbsLn < than.Small.MedianAbsLn;
    }

    /// <summary>The rows of one format of an engine's table.</summary>
    public static List<Row> Rows(ParquetTable gemm, Engine e, string dtype) => gemm.Rows
        .Where(r => e.GemmSources.Contains(r["kernel_source"]) && r["gemm_dtype"] == dtype)
        .Select(r => new Row(D(r, "m"), D(r, "n"), D(r, "k"), D(r, "latency") * 1e-3)).ToList();

    /// <summary>The cost model's work terms of a row: FLOPs at the GEMM rate, and the weights (at the format's bytes per element)
    /// plus the 16-bit activations read and written, at the streaming bandwidth.</summary>
    public static double Work(Row r, double weightElementBytes, double stream, double rate) =>
        Math.Max(2 * r.M * r.N * r.K / rate, (r.N * r.K * weightElementBytes + 2 * r.M * (r.K + r.N)) / stream);

    public static double Predict(Row r, Form f, double work) =>
        f.Fixed + f.Quantize * r.M * r.K + (f.Overlapped ? Math.Max(f.PerK * r.K, work) : f.PerK * r.K + work);

    /// <summary>Fits the forms on one format's rows. <paramref name="fixedNow"/>: the fixed latency the cost model takes now;
    /// <paramref name="quantize"/>: seconds per activation element of the quantize kernel (0 for 16-bit formats). Fixed latencies
    /// on a geometric grid from 0.5 to 60 us (and 0) in 25% steps, seconds per K from 20 ps to 30 ns (and 0) in 25% steps, then
    /// steps of 2.5% within 20% of the best.</summary>
    public static Result Fit(IReadOnlyList<Row> rows, double weightElementBytes, double stream, double rate, double fixedNow, double quantize)
    {
        var work = rows.Select(r => Work(r, weightElementBytes, stream, rate)).ToArray();
        var errors = new double[rows.Count];
        double Error(Form f)
        {
            for (int i = 0; i < rows.Count; i++) errors[i] = Math.Abs(Math.Log(Predict(rows[i], f, work[i]) / rows[i].Seconds));
            return MoeRowFit.Select(errors, errors.Length / 2);
        }
        var fixeds = new List<double> { 0 };
        for (double f = 0.5e-6; f <= 60e-6; f *= 1.25) fixeds.Add(f);
        var perKs = new List<double> { 0 };
        for (double c = 20e-12; c <= 30e-9; c *= 1.25) perKs.Add(c);
        var refine = Enumerable.Range(0, 17).Select(i => 0.80 + 0.025 * i).ToList();

        Form Best(string name, bool withK, bool overlapped, double q)
        {
            (Form Form, double Error) best = (new Form(name, fixedNow, 0, overlapped, q), double.MaxValue);
            void Try(double f, double c)
            {
                var form = new Form(name, f, c, overlapped, q);
                double e = Error(form);
                if (e < best.Error) best = (form, e);
            }
            foreach (var f in fixeds)
                foreach (var c in withK ? perKs : new List<double> { 0 }) Try(f, c);
            var (f0, c0) = (best.Form.Fixed, best.Form.PerK);
            foreach (var sf in refine)
                foreach (var sc in withK ? refine : new List<double> { 1 }) Try(f0 * sf, c0 * sc);
            return best.Form;
        }
        var forms = new List<Form>();
        foreach (var q in quantize > 0 ? new[] { 0, quantize } : new[] { 0.0 })
        {
            string tag = q > 0 ? " + quantize" : "";
            forms.Add(Best("fixed" + tag, false, false, q));
            forms.Add(Best("per-K serial" + tag, true, false, q));
        }
        Scored Score(Form f)
        {
            MoeRowFit.Bucket Of(Func<Row, bool> which)
            {
                var ratios = rows.Select((r, i) => (r, i)).Where(x => which(x.r)).Select(x => x.r.Seconds / Predict(x.r, f, work[x.i])).ToList();
                return new MoeRowFit.Bucket(ratios.Count, Median(ratios.Select(x => Math.Abs(Math.Log(x))).ToList()), Median(ratios));
            }
            return new Scored(f, Of(_ => true), Of(r => r.M <= SmallM));
        }
        return new Result(Score(new Form("now", fixedNow, 0, false, 0)), forms.Select(Score).ToList());
    }

    /// <summary>Seconds per activation element (m x K) of the kernel that quantizes a GEMM's 16-bit activations, from the
    /// engine's FP8 per-tensor quantize table (AIConfigurator's <c>scale_matrix_perf</c>: TensorRT-LLM's
    /// static_quantize_e4m3_per_tensor, 2 bytes read and 1 written per element, timed alone; and <c>computescale_perf</c>, the
    /// dynamic scale's extra pass): the median effective bandwidth over rows of at least 16 M elements, applied to the format's
    /// bytes (NVFP4: 2 read, 0.5 + 1/16 written, its global scale given, as the collector's Linear has it; block FP8: 2 read,
    /// 1 + 4/128 written; FP8 per tensor: 3 bytes, plus the dynamic scale's median time per element, since the collector's FP8
    /// Linear has no input scale; <c>fp8_static</c> without it, the figure served with a checkpoint's static input scale).</summary>
    public static Dictionary<string, double> QuantizeSeconds(ParquetTable scale, ParquetTable? computeScale)
    {
        var big = scale.Rows.Where(r => D(r, "m") * D(r, "k") >= 16.0 * (1 << 20)).ToList();
        double bandwidth = Median(big.Select(r => D(r, "m") * D(r, "k") * 3 / (D(r, "latency") * 1e-3)).ToList());
        double dynamic = computeScale is null ? 0 : Median(computeScale.Rows.Where(r => D(r, "m") * D(r, "k") >= 16.0 * (1 << 20))
            .Select(r => D(r, "latency") * 1e-3 / (D(r, "m") * D(r, "k"))).ToList());
        if (double.IsNaN(dynamic)) dynamic = 0;
        return new Dictionary<string, double>
        {
            ["fp4"] = (2 + 0.5 + 1.0 / 16) / bandwidth,
            ["fp8_block"] = (2 + 1 + 4.0 / 128) / bandwidth,
            ["fp8"] = 3 / bandwidth + dynamic,
            ["fp8_static"] = 3 / bandwidth,
            ["bandwidth"] = bandwidth,
        };
    }
}
