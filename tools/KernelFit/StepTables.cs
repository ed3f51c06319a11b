using System;
using System.Collections.Generic;
using System.Linq;
using static KernelFit.KernelFits;

namespace KernelFit;

/// <summary>
/// Lookups of one engine's measured kernel times at a step's shapes, for <see cref="StepAudit"/>: each answer says how it
/// was read (the row itself, interpolated, or a fit), so an audit states what it compares against. Times in microseconds.
/// </summary>
public sealed class StepTables
{
    private readonly Dictionary<(string Dtype, int N, int K), SortedDictionary<int, double>> _gemm = new();
    private readonly int[] _gemmN, _gemmK;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, string>> _moe, _context, _generation;

    public StepTables(ParquetTable gemm, string gemmSource, ParquetTable? moe, ParquetTable? context, ParquetTable? generation)
    {
        foreach (var r in gemm.Rows.Where(r => r["kernel_source"] == gemmSource))
        {
            var key = (r["gemm_dtype"], (int)D(r, "n"), (int)D(r, "k"));
            if (!_gemm.TryGetValue(key, out var byM)) _gemm[key] = byM = new SortedDictionary<int, double>();
            byM[(int)D(r, "m")] = D(r, "latency") * 1e3;
        }
        _gemmN = _gemm.Keys.Select(k => k.N).Distinct().OrderBy(x => x).ToArray();
        _gemmK = _gemm.Keys.Select(k => k.K).Distinct().OrderBy(x => x).ToArray();
        _moe = moe?.Rows ?? Array.Empty<IReadOnlyDictionary<string, string>>();
        _context = context?.Rows ?? Array.Empty<IReadOnlyDictionary<string, string>>();
        _generation = generation?.Rows ?? Array.Empty<IReadOnlyDictionary<string, string>>();
    }

    /// <summary>Linear between the two points that bracket x (the nearest two beyond either end).</summary>
    internal static double Lerp(IReadOnlyList<double> xs, IReadOnlyList<double> ys, double x)
    {
        if (xs.Count == 1) return ys[0];
        int i = 1;
        while (i < xs.Count - 1 && xs[i] < x) i++;
        return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    }

    private static double[] Bracket(int[] grid, int v)
    {
        if (grid.Contains(v)) return new double[] { v };
        int i = Array.FindIndex(grid, g => g > v);
        i = i < 0 ? grid.Length - 1 : Math.Max(i, 1); // beyond either end: the nearest two
        return new double[] { grid[i - 1], grid[i] };
    }

    /// <summary>The engine's Linear layer (activation quantization included for FP8/NVFP4) at m x n x k: linear in m between
    /// the table's rows, then in n and in k between the table's grid values where the shape is off the grid.</summary>
    public (double Us, string How)? Gemm(string dtype, int m, int n, int k)
    {
        double? AtM(int nn, int kk)
        {
            if (!_gemm.TryGetValue((dtype, nn, kk), out var byM)) return null;
            return Lerp(byM.Keys.Select(x => (double)x).ToList(), byM.Values.ToList(), m);
        }
        var ns = Bracket(_gemmN, n);
        var ks = Bracket(_gemmK, k);
        double? AlongN(int kk)
        {
            var ys = ns.Select(nn => AtM((int)nn, kk)).ToList();
            return ys.Any(y => y is null) ? null : Lerp(ns, ys.Select(y => y!.Value).ToList(), n);
        }
        var alongK = ks.Select(kk => AlongN((int)kk)).ToList();
        if (alongK.Any(y => y is null)) return null;
        double us = Lerp(ks, alongK.Select(y => y!.Value).ToList(), k);
        bool exact = ns.Length == 1 && ks.Length == 1 && _gemm[(dtype, n, k)].ContainsKey(m);
        string how = exact ? "row" : ns.Length == 1 && ks.Length == 1 ? "lerp m" : $"lerp m, n {string.Join("/", ns)}, k {string.Join("/", ks)}";
        return (us, how);
    }

    /// <summary>The fused MoE layer (no expert parallelism; each expert split <paramref name="moeTp"/> ways, one GPU's
    /// share timed) at a token count: linear between its rows.</summary>
    public (double Us, string How)? Moe(string source, string dtype, string distribution, int hidden, int inter, int topk, int experts, int tokens,
        int moeTp = 1)
    {
        var pts = _moe.Where(r => r["kernel_source"] == source && r["moe_dtype"] == dtype && r["distribution"] == distribution
                                  && D(r, "hidden_size") == hidden && D(r, "inter_size") == inter && D(r, "topk") == topk
                                  && D(r, "num_experts") == experts && D(r, "moe_tp_size") == moeTp && D(r, "moe_ep_size") == 1)
            .Select(r => (X: D(r, "num_tokens"), Y: D(r, "latency") * 1e3)).OrderBy(p => p.X).ToList();
        if (pts.Count < 2) return null;
        return (Lerp(pts.Select(p => p.X).ToList(), pts.Select(p => p.Y).ToList(), tokens), pts.Any(p => p.X == tokens) ? "row" : "lerp tokens");
    }

    /// <summary>Context (prefill) attention of <paramref name="batch"/> prompts of <paramref name="isl"/> tokens: the row itself.</summary>
    public (double Us, string How)? Context(int heads, int kvHeads, int headDim, string attnDtype, string kvDtype, int batch, int isl) =>
        _context.Where(r => D(r, "num_heads") == heads && D(r, "num_key_value_heads") == kvHeads && D(r, "head_dim") == headDim
                            && r["window_size"] == "0" && r["attn_dtype"] == attnDtype && r["kv_cache_dtype"] == kvDtype
                            && D(r, "batch_size") == batch && D(r, "isl") == isl && D(r, "step") == 0)
            .Select(r => ((double Us, string How)?)(D(r, "latency") * 1e3, "row")).FirstOrDefault();

    /// <summary>The decode-attention fit: t = t0 + per_seq x batch + per_token x batch x context, least squares over the
    /// rows of at least 8 sequences and 64k cached tokens (the table stops at about 256k tokens, short of a large batch at
    /// a long context, so a step's shape is read off the fit), with its largest relative residual.</summary>
    public sealed record DecodeFit(double T0, double PerSeq, double PerToken, int N, double MaxError)
    {
        public double At(double batch, double context) => T0 + PerSeq * batch + PerToken * batch * context;
    }

    public DecodeFit? Generation(int heads, int kvHeads, int headDim, string kvDtype)
    {
        var pts = _generation.Where(r => D(r, "num_heads") == heads && D(r, "num_key_value_heads") == kvHeads && D(r, "head_dim") == headDim
                                         && r["kv_cache_dtype"] == kvDtype && r["window_size"] == "0" && r["attn_dtype"] == "bfloat16")
            .Select(r => (B: D(r, "batch_size"), T: D(r, "batch_size") * (D(r, "step") + 1), Y: D(r, "latency") * 1e3))
            .Where(p => p.B >= 8 && p.T >= 65536).ToList();
        if (pts.Count < 4) return null;
        var x = pts.Select(p => new[] { 1, p.B, p.T }).ToList();
        var m = new double[3, 4];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++) m[i, j] = x.Sum(v => v[i] * v[j]);
            m[i, 3] = x.Zip(pts, (v, p) => v[i] * p.Y).Sum();
        }
        for (int i = 0; i < 3; i++)
        {
            double pivot = m[i, i];
            for (int j = 0; j < 4; j++) m[i, j] /= pivot;
            for (int r = 0; r < 3; r++)
            {
                if (r == i) continue;
                double f = m[r, i];
                for (int j = 0; j < 4; j++) m[r, j] -= f * m[i, j];
            }
        }
        var fit = new DecodeFit(m[0, 3], m[1, 3], m[2, 3], pts.Count, 0);
        return fit with { MaxError = pts.Max(p => Math.Abs(fit.At(p.B, p.T / p.B) / p.Y - 1)) };
    }
}
