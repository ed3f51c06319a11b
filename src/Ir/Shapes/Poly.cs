using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace GraphDsl.Ir.Shapes;

/// <summary>
/// A polynomial in the dynamic dimensions with real coefficients. Atoms are symbol names or the
/// printed form of an expression that is not polynomial in them (<c>min(ctx, 128)</c>). Used to
/// decide whether two shapes are equal and to carry FLOPs and bytes as functions of the workload.
/// </summary>
public sealed class Poly : IEquatable<Poly>
{
    // Monomial key: atoms sorted and joined by '*'; "" is the constant term.
    private readonly Dictionary<string, double> _terms;
    private readonly Dictionary<string, DimExpr> _atoms;

    private Poly(Dictionary<string, double> terms, Dictionary<string, DimExpr> atoms)
    {
        _terms = terms;
        _atoms = atoms;
    }

    public static readonly Poly Zero = new(new Dictionary<string, double>(), new Dictionary<string, DimExpr>());

    public static Poly Const(double c) =>
        c == 0 ? Zero : new Poly(new Dictionary<string, double> { [""] = c }, new Dictionary<string, DimExpr>());

    public static Poly Atom(DimExpr atom)
    {
        var key = atom.ToString();
        return new Poly(new Dictionary<string, double> { [key] = 1 }, new Dictionary<string, DimExpr> { [key] = atom });
    }

    /// <summary>The monomials: atoms (each repeated by its power) and coefficient.</summary>
    public IEnumerable<(IReadOnlyList<DimExpr> Atoms, double Coefficient)> Terms =>
        _terms.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (
            (IReadOnlyList<DimExpr>)(t.Key.Length == 0 ? Array.Empty<DimExpr>() : t.Key.Split('*').Select(a => _atoms[a]).ToArray()),
            t.Value));

    public bool IsConstant => _terms.Count == 0 || (_terms.Count == 1 && _terms.ContainsKey(""));
    public double ConstantTerm => _terms.TryGetValue("", out var c) ? c : 0;

    /// <summary>Converts a dimension expression; parameters are resolved by <paramref name="param"/>.
    /// Returns null when a parameter is unknown.</summary>
    public static Poly? From(DimExpr e, Func<string, long?> param)
    {
        switch (e)
        {
            case ConstDim c: return Const(c.Value);
            case SymDim: return Atom(e);
            case ParamDim p: { var v = param(p.Name); return v is null ? null : Const(v.Value); }
            case BinDim b:
                var l = From(b.Left, param);
                var r = From(b.Right, param);
                if (l is null || r is null) return null;
                switch (b.Op)
                {
                    case DimOp.Add: return l + r;
                    case DimOp.Sub: return l + r * Const(-1);
                    case DimOp.Mul: return l * r;
                }
                if (l.IsConstant && r.IsConstant)
                {
                    try { return Const(DimExpr.Apply(b.Op, (long)l.ConstantTerm, (long)r.ConstantTerm)); }
                    catch (ArithmeticException) { return null; }
                }
                if (b.Op == DimOp.Div && r.IsConstant && r.ConstantTerm != 0 && l.DividesExactly((long)r.ConstantTerm))
                    return l * Const(1.0 / r.ConstantTerm);
                // Not polynomial: keep as an opaque atom over already-resolved operands.
                return Atom(DimExpr.Bin(b.Op, l.ToDimExpr(), r.ToDimExpr()));
            default: throw new ArgumentException("unknown dimension expression", nameof(e));
        }
    }

    private bool DividesExactly(long d) => _terms.Values.All(c => Math.Abs(c / d - Math.Round(c / d)) < 1e-12);

    /// <summary>Evaluates with the dynamic symbols bound; null if one is unbound.</summary>
    public double? Evaluate(Func<string, long?> sym)
    {
        double total = 0;
        foreach (var t in _terms)
        {
            double m = t.Value;
            if (t.Key.Length > 0)
                foreach (var a in t.Key.Split('*'))
                {
                    long? v;
                    try { v = _atoms[a].Evaluate(_ => null, sym); }
                    catch (ArithmeticException) { return null; }
                    if (v is null) return null;
                    m *= v.Value;
                }
            total += m;
        }
        return total;
    }

    public static Poly operator +(Poly a, Poly b)
    {
        var terms = new Dictionary<string, double>(a._terms);
        var atoms = new Dictionary<string, DimExpr>(a._atoms);
        foreach (var t in b._terms)
        {
            terms.TryGetValue(t.Key, out var c);
            c += t.Value;
            if (c == 0) terms.Remove(t.Key); else terms[t.Key] = c;
        }
        foreach (var x in b._atoms) atoms[x.Key] = x.Value;
        return new Poly(terms, atoms);
    }

    public static Poly operator *(Poly a, Poly b)
    {
        var terms = new Dictionary<string, double>();
        var atoms = new Dictionary<string, DimExpr>(a._atoms);
        foreach (var x in b._atoms) atoms[x.Key] = x.Value;
        foreach (var ta in a._terms)
            foreach (var tb in b._terms)
            {
                var key = MergeKeys(ta.Key, tb.Key);
                terms.TryGetValue(key, out var c);
                c += ta.Value * tb.Value;
                if (c == 0) terms.Remove(key); else terms[key] = c;
            }
        return new Poly(terms, atoms);
    }

    public static Poly operator -(Poly a, Poly b) => a + b * Const(-1);
    public static Poly operator *(Poly a, double k) => a * Const(k);
    public static Poly operator *(double k, Poly a) => a * Const(k);

    private static string MergeKeys(string a, string b)
    {
        if (a.Length == 0) return b;
        if (b.Length == 0) return a;
        var parts = a.Split('*').Concat(b.Split('*')).ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Join("*", parts);
    }

    /// <summary>Back to an expression (integer coefficients only; used for opaque atoms).</summary>
    public DimExpr ToDimExpr()
    {
        DimExpr? acc = null;
        foreach (var (atoms, coef) in Terms)
        {
            DimExpr m = atoms.Count == 0 ? DimExpr.Of((long)Math.Round(coef)) : atoms.Aggregate((x, y) => x * y);
            if (atoms.Count > 0 && coef != 1) m = DimExpr.Of((long)Math.Round(coef)) * m;
            acc = acc is null ? m : acc + m;
        }
        return acc ?? DimExpr.Of(0);
    }

    public bool Equals(Poly? other)
    {
        if (other is null || other._terms.Count != _terms.Count) return false;
        foreach (var t in _terms)
            if (!other._terms.TryGetValue(t.Key, out var c) || Math.Abs(c - t.Value) > 1e-9 * Math.Max(1, Math.Abs(c)))
                return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is Poly p && Equals(p);
    public override int GetHashCode() => _terms.Count;

    public override string ToString()
    {
        if (_terms.Count == 0) return "0";
        var sb = new StringBuilder();
        foreach (var (atoms, coef) in Terms)
        {
            if (sb.Length > 0) sb.Append(" + ");
            var c = coef.ToString("R", CultureInfo.InvariantCulture);
            if (atoms.Count == 0) sb.Append(c);
            else
            {
                if (coef != 1) sb.Append(c).Append('*');
                sb.Append(string.Join("*", atoms.Select(a => a is BinDim ? "(" + a + ")" : a.ToString())));
            }
        }
        return sb.ToString();
    }
}
