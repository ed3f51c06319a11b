using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GraphDsl.Ir.Shapes;

/// <summary>Binary operators of dimension arithmetic. Division is floor division on non-negative sizes.</summary>
public enum DimOp { Add, Sub, Mul, Div, Mod, Min, Max }

/// <summary>
/// An immutable integer expression over constants, static named parameters (<c>@d</c>) and dynamic
/// symbols (<c>batch</c>, <c>seq</c>, <c>ctx</c>). Shapes, repeat counts and integer attributes are
/// made of these, so the IR stays symbolic in the workload while folding everything static.
/// </summary>
public abstract class DimExpr : IEquatable<DimExpr>
{
    public static DimExpr Of(long value) => new ConstDim(value);
    public static DimExpr Sym(string name) => new SymDim(name);
    public static DimExpr Param(string name) => new ParamDim(name);
    public static DimExpr Bin(DimOp op, DimExpr l, DimExpr r) => new BinDim(op, l, r);

    public static DimExpr operator +(DimExpr a, DimExpr b) => Bin(DimOp.Add, a, b);
    public static DimExpr operator -(DimExpr a, DimExpr b) => Bin(DimOp.Sub, a, b);
    public static DimExpr operator *(DimExpr a, DimExpr b) => Bin(DimOp.Mul, a, b);
    public static DimExpr operator /(DimExpr a, DimExpr b) => Bin(DimOp.Div, a, b);
    public static implicit operator DimExpr(long value) => Of(value);

    /// <summary>True when the expression names no dynamic symbol (it may still name parameters).</summary>
    public abstract bool IsStatic { get; }

    /// <summary>Nodes of the expression written out as a tree, a shared sub-expression counted each time it
    /// appears (saturating at int.MaxValue): what printing, simplifying or evaluating it walks. Known at
    /// construction, so a caller can refuse to build an expression that doubles without walking it.</summary>
    public abstract int Size { get; }

    /// <summary>The constant value when this is a literal.</summary>
    public long? AsConst => this is ConstDim c ? c.Value : (long?)null;

    /// <summary>Evaluates with checked arithmetic; null when a name is unbound. Throws
    /// <see cref="OverflowException"/> on overflow and <see cref="DivideByZeroException"/> on division by zero.</summary>
    public abstract long? Evaluate(Func<string, long?> param, Func<string, long?> sym);

    /// <summary>Replaces parameter references by what <paramref name="param"/> returns (null keeps the reference).</summary>
    public abstract DimExpr SubstituteParams(Func<string, DimExpr?> param);

    /// <summary>Replaces dynamic symbols by what <paramref name="sym"/> returns (null keeps the symbol).</summary>
    public abstract DimExpr SubstituteSymbols(Func<string, DimExpr?> sym);

    /// <summary>Folds constant sub-expressions and the identities x+0, x*1, x*0, x/1.</summary>
    public abstract DimExpr Simplify();

    public abstract void CollectNames(ISet<string> parameters, ISet<string> symbols);

    internal abstract int Precedence { get; }
    internal abstract void Write(StringBuilder sb);

    public override string ToString() { var sb = new StringBuilder(); Write(sb); return sb.ToString(); }
    public abstract bool Equals(DimExpr? other);
    public override bool Equals(object? obj) => obj is DimExpr d && Equals(d);
    public abstract override int GetHashCode();
    public static bool operator ==(DimExpr? a, DimExpr? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(DimExpr? a, DimExpr? b) => !(a == b);

    /// <summary>Applies an operator with checked arithmetic and floor division.</summary>
    public static long Apply(DimOp op, long a, long b)
    {
        checked
        {
            switch (op)
            {
                case DimOp.Add: return a + b;
                case DimOp.Sub: return a - b;
                case DimOp.Mul: return a * b;
                case DimOp.Div: if (b == 0) throw new DivideByZeroException(); return FloorDiv(a, b);
                case DimOp.Mod: if (b == 0) throw new DivideByZeroException(); return a - FloorDiv(a, b) * b;
                case DimOp.Min: return Math.Min(a, b);
                case DimOp.Max: return Math.Max(a, b);
                default: throw new ArgumentOutOfRangeException(nameof(op));
            }
        }
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }
}

public sealed class ConstDim : DimExpr
{
    public ConstDim(long value) { Value = value; }
    public long Value { get; }
    public override bool IsStatic => true;
    public override int Size => 1;
    public override long? Evaluate(Func<string, long?> param, Func<string, long?> sym) => Value;
    public override DimExpr SubstituteParams(Func<string, DimExpr?> param) => this;
    public override DimExpr SubstituteSymbols(Func<string, DimExpr?> sym) => this;
    public override DimExpr Simplify() => this;
    public override void CollectNames(ISet<string> parameters, ISet<string> symbols) { }
    internal override int Precedence => Value < 0 ? 2 : 4;
    internal override void Write(StringBuilder sb) => sb.Append(Value.ToString(CultureInfo.InvariantCulture));
    public override bool Equals(DimExpr? other) => other is ConstDim c && c.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
}

/// <summary>A dynamic dimension bound per workload: batch, seq (new tokens), ctx (tokens in the KV cache).</summary>
public sealed class SymDim : DimExpr
{
    public SymDim(string name) { Name = name; }
    public string Name { get; }
    public override bool IsStatic => false;
    public override int Size => 1;
    public override long? Evaluate(Func<string, long?> param, Func<string, long?> sym) => sym(Name);
    public override DimExpr SubstituteParams(Func<string, DimExpr?> param) => this;
    public override DimExpr SubstituteSymbols(Func<string, DimExpr?> sym) => sym(Name) ?? this;
    public override DimExpr Simplify() => this;
    public override void CollectNames(ISet<string> parameters, ISet<string> symbols) => symbols.Add(Name);
    internal override int Precedence => 4;
    internal override void Write(StringBuilder sb) => sb.Append(Name);
    public override bool Equals(DimExpr? other) => other is SymDim s && s.Name == Name;
    public override int GetHashCode() => Name.GetHashCode() * 31 + 1;
}

/// <summary>A reference to a static module parameter, printed <c>@name</c>.</summary>
public sealed class ParamDim : DimExpr
{
    public ParamDim(string name) { Name = name; }
    public string Name { get; }
    public override bool IsStatic => true;
    public override int Size => 1;
    public override long? Evaluate(Func<string, long?> param, Func<string, long?> sym) => param(Name);
    public override DimExpr SubstituteParams(Func<string, DimExpr?> param) => param(Name) ?? this;
    public override DimExpr SubstituteSymbols(Func<string, DimExpr?> sym) => this;
    public override DimExpr Simplify() => this;
    public override void CollectNames(ISet<string> parameters, ISet<string> symbols) => parameters.Add(Name);
    internal override int Precedence => 4;
    internal override void Write(StringBuilder sb) => sb.Append('@').Append(Name);
    public override bool Equals(DimExpr? other) => other is ParamDim p && p.Name == Name;
    public override int GetHashCode() => Name.GetHashCode() * 31 + 2;
}

public sealed class BinDim : DimExpr
{
    public BinDim(DimOp op, DimExpr left, DimExpr right)
    {
        Op = op; Left = left; Right = right;
        Size = (int)Math.Min(int.MaxValue, 1L + left.Size + right.Size);
    }
    public DimOp Op { get; }
    public DimExpr Left { get; }
    public DimExpr Right { get; }
    public override bool IsStatic => Left.IsStatic && Right.IsStatic;
    public override int Size { get; }

    public override long? Evaluate(Func<string, long?> param, Func<string, long?> sym)
    {
        var l = Left.Evaluate(param, sym);
        var r = Right.Evaluate(param, sym);
        if (l is null || r is null) return null;
        return Apply(Op, l.Value, r.Value);
    }

    public override DimExpr SubstituteParams(Func<string, DimExpr?> param)
    {
        var l = Left.SubstituteParams(param);
        var r = Right.SubstituteParams(param);
        return ReferenceEquals(l, Left) && ReferenceEquals(r, Right) ? this : new BinDim(Op, l, r);
    }

    public override DimExpr SubstituteSymbols(Func<string, DimExpr?> sym)
    {
        var l = Left.SubstituteSymbols(sym);
        var r = Right.SubstituteSymbols(sym);
        return ReferenceEquals(l, Left) && ReferenceEquals(r, Right) ? this : new BinDim(Op, l, r);
    }

    public override DimExpr Simplify()
    {
        var l = Left.Simplify();
        var r = Right.Simplify();
        if (l is ConstDim a && r is ConstDim b)
        {
            try { return Of(Apply(Op, a.Value, b.Value)); }
            catch (ArithmeticException) { /* keep the expression; the verifier reports it */ }
        }
        switch (Op)
        {
            case DimOp.Add: if (l.AsConst == 0) return r; if (r.AsConst == 0) return l; break;
            case DimOp.Sub: if (r.AsConst == 0) return l; break;
            case DimOp.Mul:
                if (l.AsConst == 1) return r; if (r.AsConst == 1) return l;
                if (l.AsConst == 0 || r.AsConst == 0) return Of(0);
                break;
            case DimOp.Div:
                if (r.AsConst == 1) return l;
                // (x * c) / c = x exactly, for any x >= 0 and c > 0 (floor division).
                if (r.AsConst > 0 && l is BinDim { Op: DimOp.Mul } m && m.Right.AsConst == r.AsConst) return m.Left;
                break;
        }
        return ReferenceEquals(l, Left) && ReferenceEquals(r, Right) ? this : new BinDim(Op, l, r);
    }

    public override void CollectNames(ISet<string> parameters, ISet<string> symbols)
    {
        Left.CollectNames(parameters, symbols);
        Right.CollectNames(parameters, symbols);
    }

    internal override int Precedence => Op switch
    {
        DimOp.Add or DimOp.Sub => 1,
        DimOp.Mul or DimOp.Div or DimOp.Mod => 2,
        _ => 4, // min(a, b) and max(a, b) print as calls
    };

    internal override void Write(StringBuilder sb)
    {
        if (Op is DimOp.Min or DimOp.Max)
        {
            sb.Append(Op == DimOp.Min ? "min(" : "max(");
            Left.Write(sb); sb.Append(", "); Right.Write(sb); sb.Append(')');
            return;
        }
        WriteOperand(sb, Left, Left.Precedence < Precedence);
        sb.Append(Op switch { DimOp.Add => " + ", DimOp.Sub => " - ", DimOp.Mul => " * ", DimOp.Div => " / ", _ => " % " });
        // Left-associative: a right operand of equal precedence needs parentheses (a - (b - c)).
        WriteOperand(sb, Right, Right.Precedence <= Precedence);
    }

    private static void WriteOperand(StringBuilder sb, DimExpr e, bool parens)
    {
        if (parens) sb.Append('(');
        e.Write(sb);
        if (parens) sb.Append(')');
    }

    public override bool Equals(DimExpr? other) =>
        other is BinDim b && b.Op == Op && b.Left.Equals(Left) && b.Right.Equals(Right);

    public override int GetHashCode() => ((int)Op * 397) ^ (Left.GetHashCode() * 31) ^ Right.GetHashCode();
}
