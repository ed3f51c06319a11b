using System;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Tests.Shapes;

public class DimExprTests
{
    private static long? NoParams(string _) => null;

    [Fact]
    public void Prints_with_minimal_parentheses()
    {
        var d = DimExpr.Param("d");
        Assert.Equal("@d / @h * 2", (d / DimExpr.Param("h") * DimExpr.Of(2)).ToString());
        Assert.Equal("@a - (@b - @c)", (DimExpr.Param("a") - (DimExpr.Param("b") - DimExpr.Param("c"))).ToString());
        Assert.Equal("(@a + @b) * batch", ((DimExpr.Param("a") + DimExpr.Param("b")) * DimExpr.Sym("batch")).ToString());
        Assert.Equal("min(ctx, 128)", DimExpr.Bin(DimOp.Min, DimExpr.Sym("ctx"), DimExpr.Of(128)).ToString());
    }

    [Fact]
    public void Evaluates_with_floor_division_and_checked_overflow()
    {
        Assert.Equal(-2, DimExpr.Bin(DimOp.Div, DimExpr.Of(-3), DimExpr.Of(2)).Evaluate(NoParams, NoParams));
        Assert.Equal(1, DimExpr.Bin(DimOp.Mod, DimExpr.Of(-3), DimExpr.Of(2)).Evaluate(NoParams, NoParams));
        Assert.Throws<OverflowException>(() => (DimExpr.Of(long.MaxValue) + DimExpr.Of(1)).Evaluate(NoParams, NoParams));
        Assert.Throws<DivideByZeroException>(() => (DimExpr.Of(1) / DimExpr.Of(0)).Evaluate(NoParams, NoParams));
        Assert.Null(DimExpr.Sym("batch").Evaluate(NoParams, NoParams));
    }

    [Fact]
    public void Simplify_folds_constants_and_identities()
    {
        var b = DimExpr.Sym("batch");
        Assert.Equal(b, (b * DimExpr.Of(1) + DimExpr.Of(0)).Simplify());
        Assert.Equal(DimExpr.Of(12), (DimExpr.Of(3) * DimExpr.Of(4)).Simplify());
        Assert.Equal(DimExpr.Of(0), (b * DimExpr.Of(0)).Simplify());
    }

    [Fact]
    public void Polynomials_decide_equality_of_shapes_up_to_algebra()
    {
        long? Env(string n) => n switch { "heads" => 32, "hd" => 128, _ => null };
        var a = Poly.From(DimExpr.Param("heads") * DimExpr.Param("hd") * DimExpr.Sym("seq"), Env)!;
        var b = Poly.From(DimExpr.Sym("seq") * DimExpr.Of(4096), Env)!;
        Assert.Equal(a, b);
        var c = Poly.From((DimExpr.Sym("seq") + DimExpr.Of(1)) * (DimExpr.Sym("seq") - DimExpr.Of(1)), Env)!;
        var d = Poly.From(DimExpr.Sym("seq") * DimExpr.Sym("seq") - DimExpr.Of(1), Env)!;
        Assert.Equal(c, d);
        Assert.NotEqual(a, Poly.From(DimExpr.Sym("batch") * DimExpr.Of(4096), Env));
        Assert.Equal(4096.0 * 7, b.Evaluate(s => s == "seq" ? 7 : null));
    }

    [Fact]
    public void Non_polynomial_terms_are_atoms_that_still_evaluate()
    {
        var p = Poly.From(DimExpr.Sym("seq") * DimExpr.Bin(DimOp.Min, DimExpr.Sym("ctx"), DimExpr.Of(128)), _ => null)!;
        Assert.Equal(5.0 * 100, p.Evaluate(s => s == "seq" ? 5 : 100));
        Assert.Equal(5.0 * 128, p.Evaluate(s => s == "seq" ? 5 : 4096));
    }
}
