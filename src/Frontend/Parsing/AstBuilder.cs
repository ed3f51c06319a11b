using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Antlr4.Runtime;
using GraphDsl.Frontend.Generated;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using P = GraphDsl.Frontend.Generated.GraphDslParser;

namespace GraphDsl.Frontend.Parsing;

/// <summary>Turns ANTLR's parse tree into the immutable syntax tree, with spans on every node.</summary>
internal sealed class AstBuilder
{
    private const int MaxExprDepth = 400;
    private readonly SourceText _source;
    private readonly DiagnosticBag _diagnostics;
    private int _depth;
    private bool _depthReported;

    public AstBuilder(SourceText source, DiagnosticBag diagnostics) { _source = source; _diagnostics = diagnostics; }

    private SourceSpan Span(ParserRuleContext c) =>
        _source.Span(c.Start.StartIndex, Math.Max(c.Start.StartIndex, (c.Stop ?? c.Start).StopIndex + 1));

    private SourceSpan Span(IToken t) => SyntaxParser.SpanOf(_source, t);

    public FileSyntax BuildFile(P.FileContext c)
    {
        var imports = c.importDecl().Select(i => new ImportSyntax(Unquote(i.STRING().Symbol), Span(i))).ToList();
        var consts = new List<ConstSyntax>();
        var blocks = new List<BlockSyntax>();
        var models = new List<ModelSyntax>();
        foreach (var d in c.topDecl())
        {
            if (d.constDecl() is { } k) consts.Add(new ConstSyntax(k.ID().GetText(), Span(k.ID().Symbol), Expr(k.expr()), Span(k)));
            else if (d.blockDecl() is { } b) blocks.Add(Block(b));
            else if (d.modelDecl() is { } m)
            {
                var target = m.ID().Length > 1 ? m.ID(1) : null;
                models.Add(new ModelSyntax(m.ID(0).GetText(), Span(m.ID(0).Symbol), Body(m.body()), Span(m))
                    { Target = target?.GetText(), TargetSpan = target is null ? SourceSpan.None : Span(target.Symbol) });
            }
        }
        return new FileSyntax(_source, imports, consts, blocks, models, Span(c));
    }

    private BlockSyntax Block(P.BlockDeclContext b)
    {
        var ps = b.paramList()?.paramDecl().Select(p => new ParamSyntax(p.ID().GetText(), Span(p.ID().Symbol), Type(p.typeRef()),
            p.expr() is { } e ? Expr(e) : null, Span(p))).ToList() ?? new List<ParamSyntax>();
        var results = b.resultTypes()?.typeRef().Select(Type).ToList();
        return new BlockSyntax(b.ID().GetText(), Span(b.ID().Symbol), ps, results, Body(b.body()), Span(b));
    }

    private TypeSyntax Type(P.TypeRefContext t)
    {
        if (t.tensorType() is { } tt) return Tensor(tt);
        return new ScalarTypeSyntax(t.GetText(), Span(t));
    }

    private TensorTypeSyntax Tensor(P.TensorTypeContext t)
    {
        var dims = t.dimList()?.dim() ?? Array.Empty<P.DimContext>();
        bool ellipsis = false;
        var exprs = new List<ExprSyntax>();
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i].ELLIPSIS() is not null)
            {
                if (i == 0) ellipsis = true;
                else _diagnostics.Report(DiagnosticCatalog.SyntaxError, Span(dims[i]), "'...' may only stand first in a shape");
                continue;
            }
            exprs.Add(Expr(dims[i].expr()));
        }
        var id = t.ID();
        return new TensorTypeSyntax(id?.GetText(), id is null ? SourceSpan.None : Span(id.Symbol), ellipsis, exprs, Span(t));
    }

    private IReadOnlyList<StmtSyntax> Body(P.BodyContext b) => b.stmt().Select(Stmt).ToList();

    private StmtSyntax Stmt(P.StmtContext s)
    {
        switch (s)
        {
            case P.ParamStmtContext p: return new ParamStmt(p.ID().GetText(), Span(p.ID().Symbol), Expr(p.expr()), Span(p));
            case P.DtypeStmtContext d: return new DTypeStmt(d.ID().GetText(), Span(d.ID().Symbol), Span(d));
            case P.InputStmtContext i: return new InputStmt(i.ID().GetText(), Span(i.ID().Symbol), Tensor(i.tensorType()), Span(i));
            case P.WeightStmtContext w: return new WeightStmt(w.ID().GetText(), Span(w.ID().Symbol), Tensor(w.tensorType()), Span(w));
            case P.LetStmtContext l: return new LetStmt(l.ID().Select(id => (id.GetText(), Span(id.Symbol))).ToList(), Expr(l.expr()), Span(l));
            case P.AssignStmtContext a: return new AssignStmt(a.ID().GetText(), Span(a.ID().Symbol), Expr(a.expr()), Span(a));
            case P.RepeatStmtContext r:
                return new RepeatStmt(Expr(r.expr()), r.ID()?.GetText(), r.ID() is { } n ? Span(n.Symbol) : SourceSpan.None, Body(r.body()), Span(r));
            case P.IfStmtAltContext f: return If(f.ifStmt());
            case P.ReturnStmtContext ret: return new ReturnStmt(ret.expr().Select(Expr).ToList(), Span(ret));
            case P.OutputStmtContext o: return new OutputStmt(o.ID().GetText(), Span(o.ID().Symbol), Expr(o.expr()), Span(o));
            default: throw new InvalidOperationException("unknown statement " + s.GetType().Name);
        }
    }

    private IfStmt If(P.IfStmtContext f)
    {
        IReadOnlyList<StmtSyntax>? otherwise = null;
        if (f.ELSE() is not null)
            otherwise = f.ifStmt() is { } nested ? new StmtSyntax[] { If(nested) } : Body(f.body(1));
        return new IfStmt(Expr(f.expr()), Body(f.body(0)), otherwise, Span(f));
    }

    private ExprSyntax Expr(P.ExprContext e)
    {
        if (++_depth > MaxExprDepth)
        {
            _depth--;
            if (!_depthReported) _diagnostics.Report(DiagnosticCatalog.NestingTooDeep, Span(e), "an expression's brackets, unary operators or chained binary operators", MaxExprDepth);
            _depthReported = true;
            return new ErrorExpr(Span(e));
        }
        try { return ExprInner(e); }
        finally { _depth--; }
    }

    private ExprSyntax ExprInner(P.ExprContext e)
    {
        switch (e)
        {
            case P.PrimaryExprContext p: return Primary(p.primary());
            case P.UnaryExprContext u: return new UnaryExpr(u.op.Text, Expr(u.expr()), Span(u));
            case P.MulExprContext m: return new BinaryExpr(m.op.Text, Expr(m.expr(0)), Expr(m.expr(1)), Span(m));
            case P.AddExprContext a: return new BinaryExpr(a.op.Text, Expr(a.expr(0)), Expr(a.expr(1)), Span(a));
            case P.CompareExprContext c: return new BinaryExpr(c.op.Text, Expr(c.expr(0)), Expr(c.expr(1)), Span(c));
            case P.EqualExprContext q: return new BinaryExpr(q.op.Text, Expr(q.expr(0)), Expr(q.expr(1)), Span(q));
            case P.AndExprContext and: return new BinaryExpr("&&", Expr(and.expr(0)), Expr(and.expr(1)), Span(and));
            case P.OrExprContext or: return new BinaryExpr("||", Expr(or.expr(0)), Expr(or.expr(1)), Span(or));
            case P.CondExprContext k: return new CondExpr(Expr(k.expr(0)), Expr(k.expr(1)), Expr(k.expr(2)), Span(k));
            default: return new ErrorExpr(Span(e));
        }
    }

    private ExprSyntax Primary(P.PrimaryContext p)
    {
        switch (p)
        {
            case P.IntLitContext i:
            {
                var text = i.INT().GetText().Replace("_", "");
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return new IntLit(v, false, Span(i));
                _diagnostics.Report(DiagnosticCatalog.NumberOverflow, Span(i), i.INT().GetText());
                return new IntLit(0, true, Span(i));
            }
            case P.FloatLitContext f:
            {
                var text = f.FLOAT().GetText().Replace("_", "");
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d))
                    return new FloatLit(d, Span(f));
                _diagnostics.Report(DiagnosticCatalog.InvalidFloat, Span(f), f.FLOAT().GetText());
                return new ErrorExpr(Span(f));
            }
            case P.StringLitContext s: return new StringLit(Unquote(s.STRING().Symbol), Span(s));
            case P.BoolLitContext b: return new BoolLit(b.TRUE() is not null, Span(b));
            case P.CallExprContext c:
            {
                var args = c.argList()?.arg().Select(a => new ArgSyntax(a.argName()?.GetText(), a.argName() is { } id ? Span(id) : SourceSpan.None,
                    Expr(a.expr()), Span(a))).ToList() ?? new List<ArgSyntax>();
                return new CallExpr(c.qualifiedName().GetText(), Span(c.qualifiedName()), args, Span(c));
            }
            case P.NameExprContext n: return new NameExpr(n.ID().GetText(), Span(n));
            case P.ParenExprContext pe: return Expr(pe.expr());
            case P.ListExprContext l: return new ListExpr(l.expr().Select(Expr).ToList(), Span(l));
            default: return new ErrorExpr(Span(p));
        }
    }

    private static string Unquote(IToken t)
    {
        var s = t.Text;
        var sb = new StringBuilder();
        for (int i = 1; i < s.Length - 1; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length - 1)
            {
                i++;
                sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', _ => s[i] });
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
