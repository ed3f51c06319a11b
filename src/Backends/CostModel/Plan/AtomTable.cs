using System;
using System.Collections.Generic;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Backends.CostModel.Plan;

/// <summary>
/// The distinct workload-dependent quantities a plan's polynomials use: batch, seq, ctx, and any
/// non-polynomial terms such as <c>min(ctx, 128)</c> for sliding windows. A configuration is evaluated
/// by filling one array of atom values, after which every cost is a handful of multiply-adds.
/// </summary>
public sealed class AtomTable
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<DimExpr> _atoms = new();

    public int Count => _atoms.Count;

    public int IndexOf(DimExpr atom)
    {
        var key = atom.ToString();
        if (_index.TryGetValue(key, out var i)) return i;
        i = _atoms.Count;
        _index[key] = i;
        _atoms.Add(atom);
        return i;
    }

    /// <summary>Fills <paramref name="values"/> with each atom evaluated at batch, seq, ctx.</summary>
    public void Evaluate(double batch, double seq, double ctx, double[] values)
    {
        for (int i = 0; i < _atoms.Count; i++)
        {
            var a = _atoms[i];
            values[i] = a is SymDim s ? Sym(s.Name, batch, seq, ctx)
                : a.Evaluate(_ => null, n => (long)Sym(n, batch, seq, ctx)) ?? throw new InvalidOperationException($"cannot evaluate {a}");
        }
    }

    private static double Sym(string name, double batch, double seq, double ctx) => name switch
    {
        "batch" => batch,
        "seq" => seq,
        "ctx" => ctx,
        _ => throw new InvalidOperationException($"symbol '{name}' has no value in a serving workload (only batch, seq and ctx do)"),
    };
}

/// <summary>A polynomial compiled against an <see cref="AtomTable"/>: coefficients and up to three atom
/// indices per monomial (batch x seq x ctx is the highest degree any op produces).</summary>
public readonly struct CompiledPoly
{
    private readonly double[] _coef;
    private readonly int[] _atoms; // 3 per monomial, -1 = unused

    private CompiledPoly(double[] coef, int[] atoms) { _coef = coef; _atoms = atoms; }

    public static readonly CompiledPoly Zero = new(Array.Empty<double>(), Array.Empty<int>());

    public static CompiledPoly Compile(Poly p, AtomTable table)
    {
        var coef = new List<double>();
        var atoms = new List<int>();
        foreach (var (ats, c) in p.Terms)
        {
            if (ats.Count > 3)
            {
                // Today's ops give terms of degree 3 at most (batch x seq x context); a higher one would need product
                // atoms, which do not exist yet, so it fails loudly rather than being priced wrong.
                throw new NotSupportedException($"monomial of degree {ats.Count} in cost polynomial {p}");
            }
            coef.Add(c);
            for (int i = 0; i < 3; i++) atoms.Add(i < ats.Count ? table.IndexOf(ats[i]) : -1);
        }
        return new CompiledPoly(coef.ToArray(), atoms.ToArray());
    }

    public double Evaluate(double[] atomValues)
    {
        double sum = 0;
        var coef = _coef;
        if (coef is null) return 0;
        for (int m = 0, j = 0; m < coef.Length; m++, j += 3)
        {
            double v = coef[m];
            int a = _atoms[j];
            if (a >= 0) { v *= atomValues[a]; a = _atoms[j + 1]; if (a >= 0) { v *= atomValues[a]; a = _atoms[j + 2]; if (a >= 0) v *= atomValues[a]; } }
            sum += v;
        }
        return sum;
    }

    public bool IsZero => _coef is null || _coef.Length == 0;
}
