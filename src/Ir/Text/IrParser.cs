using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Text;

/// <summary>
/// Reads the textual IR printed by <see cref="IrPrinter"/>. Result types are taken as written; run
/// the verifier to check them. Errors are reported as GD04xx diagnostics with the exact location.
/// </summary>
public sealed class IrParser
{
    /// <summary>Dimension expressions, attribute lists and regions are trees that the parser and every later stage
    /// (shape inference, the verifier, the printer) walk recursively. As in the frontend (its SyntaxParser.MaxNesting),
    /// a tree deeper than this is an error (GD0105) rather than a stack overflow: a dimension may hold this many
    /// operators, brackets, unary minus and min/max in all, lists and regions may nest this deep.</summary>
    public const int MaxNesting = 200;

    /// <summary>The largest IR text read from a file: a printed module keeps repeated layers as one region,
    /// so the largest sample prints in under 11 KB; 16 MiB leaves room for fully peeled modules while
    /// bounding the tokens the lexer holds.</summary>
    public const int MaxFileBytes = 16 << 20;

    private readonly List<IrToken> _toks;
    private readonly string _file;
    private int _pos;
    private int _dimNodes, _listDepth, _regionDepth;
    private Dictionary<string, Value> _values = new();

    private IrParser(string text, string file)
    {
        _file = file;
        _toks = IrLexer.Lex(text, file);
    }

    /// <summary>Parses a module; throws <see cref="DiagnosticException"/> on the first error.</summary>
    public static Module Parse(string text, string file = "<ir>") => new IrParser(text, file).ParseModule();

    /// <summary>Parses a module, reporting an error into <paramref name="diagnostics"/> instead of throwing.</summary>
    public static Module? TryParse(string text, string file, DiagnosticBag diagnostics)
    {
        try { return Parse(text, file); }
        catch (DiagnosticException e) { diagnostics.Add(e.Diagnostic); return null; }
    }

    private IrToken Peek => _toks[_pos];
    private IrToken Next() => _toks[_pos < _toks.Count - 1 ? _pos++ : _pos];
    private bool IsPunct(string p) => Peek.Kind == IrTok.Punct && Peek.Text == p;
    private bool IsIdent(string s) => Peek.Kind == IrTok.Ident && Peek.Text == s;

    private SourceSpan SpanOf(IrToken t) => SourceSpan.At(_file, t.Line, t.Col, Math.Max(1, t.Text.Length), t.Offset);

    private DiagnosticException Error(string message, IrToken? at = null) =>
        new(DiagnosticCatalog.IrSyntaxError.At(SpanOf(at ?? Peek), message));

    private void Expect(string punct)
    {
        if (!IsPunct(punct)) throw Error($"expected '{punct}' but found {Peek}");
        Next();
    }

    private string ExpectIdent(string what)
    {
        if (Peek.Kind != IrTok.Ident) throw Error($"expected {what} but found {Peek}");
        return Next().Text;
    }

    private void ExpectKeyword(string kw)
    {
        if (!IsIdent(kw)) throw Error($"expected '{kw}' but found {Peek}");
        Next();
    }

    private int ExpectLocationNumber(string what)
    {
        if (Peek.Kind != IrTok.Int || !int.TryParse(Peek.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw Error($"expected {what} (an integer below 2^31) but found {Peek}");
        Next();
        return n;
    }

    private string ExpectSymbol(string what)
    {
        if (Peek.Kind != IrTok.Symbol) throw Error($"expected {what} ('@name') but found {Peek}");
        return Next().Text;
    }

    private Module ParseModule()
    {
        ExpectKeyword("module");
        var module = new Module(ExpectSymbol("a module name"));
        Expect("{");
        var paramEnv = new Dictionary<string, long>();
        while (IsIdent("param"))
        {
            Next();
            var name = ExpectSymbol("a parameter name");
            if (module.FindParam(name) is not null) throw Error($"parameter '@{name}' is defined twice");
            Expect("=");
            module.AddParam(name, ParseDimension());
        }
        if (IsIdent("attributes"))
        {
            Next();
            module.Attributes = ParseAttrs(null);
        }
        if (IsIdent("symbols"))
        {
            Next();
            module.Symbols.Clear();
            do module.Symbols.Add(ExpectIdent("a symbol name")); while (TryPunct(","));
        }
        while (IsIdent("func")) ParseFunction(module);
        ExpectKeyword("graph");
        _values = new Dictionary<string, Value>();
        Expect("{");
        ParseOps(module.Body, module);
        Expect("}");
        Expect("}");
        if (Peek.Kind != IrTok.End) throw Error($"expected end of input after the module but found {Peek}");
        return module;
    }

    private bool TryPunct(string p)
    {
        if (!IsPunct(p)) return false;
        Next();
        return true;
    }

    private void ParseFunction(Module module)
    {
        Next();
        var nameTok = Peek;
        var name = ExpectSymbol("a function name");
        if (module.FindFunction(name) is not null) throw Error($"function '@{name}' is defined twice", nameTok);
        _values = new Dictionary<string, Value>();
        Expect("(");
        var args = new List<(IrToken Tok, TensorType Type)>();
        if (!IsPunct(")"))
            do
            {
                var t = Peek;
                if (t.Kind != IrTok.Value) throw Error($"expected a value name like %0 but found {t}");
                Next();
                Expect(":");
                args.Add((t, ParseType()));
            } while (TryPunct(","));
        Expect(")");
        Expect("->");
        Expect("(");
        var results = new List<TensorType>();
        if (!IsPunct(")")) do results.Add(ParseType()); while (TryPunct(","));
        Expect(")");
        var f = new Function(name, results);
        foreach (var (tok, type) in args) Define(tok, f.Body.AddArgument(type));
        Expect("{");
        ParseOps(f.Body, module);
        Expect("}");
        module.AddFunction(f);
    }

    private void Define(IrToken tok, Value v)
    {
        if (_values.ContainsKey(tok.Text)) throw new DiagnosticException(DiagnosticCatalog.IrRedefinedValue.At(SpanOf(tok), tok.Text));
        _values[tok.Text] = v;
    }

    private Value Use(IrToken tok) =>
        _values.TryGetValue(tok.Text, out var v) ? v : throw new DiagnosticException(DiagnosticCatalog.IrUndefinedValue.At(SpanOf(tok), tok.Text));

    private void ParseOps(Region region, Module module)
    {
        while (!IsPunct("}") && Peek.Kind != IrTok.End) region.Append(ParseOp(module));
    }

    private Operation ParseOp(Module module)
    {
        var resultToks = new List<IrToken>();
        if (Peek.Kind == IrTok.Value)
        {
            do
            {
                if (Peek.Kind != IrTok.Value) throw Error($"expected a result name like %0 but found {Peek}");
                resultToks.Add(Next());
            } while (TryPunct(","));
            Expect("=");
        }
        var opTok = Peek;
        var opName = ExpectIdent("an op name");
        var def = OpRegistry.Find(opName);
        if (def is null)
        {
            var hint = Suggest.DidYouMean(opName, OpRegistry.All.Select(d => d.Name));
            throw new DiagnosticException(DiagnosticCatalog.IrUnknownOp.At(SpanOf(opTok), opName, hint));
        }

        // Operands: positional fill required (then variadic) slots in order; name=%v fills an optional slot.
        var slots = new List<Value?>();
        var positional = new List<(IrToken, Value)>();
        var named = new Dictionary<string, Value>();
        // Operands sit on the op's line, so an operand-less terminator is not confused with the next op's results.
        while (Peek.Line == opTok.Line &&
               (Peek.Kind == IrTok.Value || (Peek.Kind == IrTok.Ident && _toks[_pos + 1].Kind == IrTok.Punct && _toks[_pos + 1].Text == "=")))
        {
            if (Peek.Kind == IrTok.Value) { var t = Next(); positional.Add((t, Use(t))); }
            else
            {
                var key = Next(); Next();
                if (Peek.Kind != IrTok.Value) throw Error($"expected a value after '{key.Text}='");
                var spec = def.Operands.FirstOrDefault(o => o.Name == key.Text && o.Kind == OperandKind.Optional);
                if (spec is null) throw Error($"'{def.Name}' has no optional operand '{key.Text}'", key);
                named[key.Text] = Use(Next());
            }
            if (!TryPunct(",")) break;
        }
        int next = 0;
        foreach (var spec in def.Operands)
        {
            switch (spec.Kind)
            {
                case OperandKind.Optional:
                    slots.Add(named.TryGetValue(spec.Name, out var nv) ? nv : null);
                    break;
                case OperandKind.Required:
                    if (next >= positional.Count) throw Error($"'{def.Name}' needs operand '{spec.Name}'", opTok);
                    slots.Add(positional[next++].Item2);
                    break;
                case OperandKind.Variadic:
                    while (next < positional.Count) slots.Add(positional[next++].Item2);
                    break;
            }
        }
        if (next < positional.Count) throw Error($"'{def.Name}' takes {next} operand(s) but {positional.Count} were given", positional[next].Item1);

        var attrs = IsPunct("{") && !IsRegionStart() ? ParseAttrs(def) : AttrDict.Empty;
        var types = new List<TensorType>();
        if (TryPunct(":")) do types.Add(ParseType()); while (TryPunct(","));
        if (types.Count != resultToks.Count)
            throw Error($"'{def.Name}' names {resultToks.Count} result(s) but states {types.Count} type(s)", opTok);

        var span = SpanOf(opTok);
        if (IsIdent("loc")) span = ParseLoc();

        var regions = new List<Region>();
        while (IsRegionStart())
        {
            Deeper(ref _regionDepth, Peek, "regions (op bodies such as core.repeat's)");
            regions.Add(ParseRegion(module));
            _regionDepth--;
        }

        var op = IrBuilder.Create(def, slots, attrs, types, regions, span);
        for (int i = 0; i < resultToks.Count; i++) Define(resultToks[i], op.Results[i]);
        return op;
    }

    private bool IsRegionStart() => IsPunct("{") && _toks[_pos + 1].Kind == IrTok.Punct && _toks[_pos + 1].Text == "^";

    private SourceSpan ParseLoc()
    {
        Next();
        Expect("(");
        if (Peek.Kind != IrTok.String) throw Error("expected a file name string in loc(...)");
        var file = Next().Text;
        Expect(":");
        var line = ExpectLocationNumber("a line number");
        Expect(":");
        var col = ExpectLocationNumber("a column number");
        Expect(")");
        return SourceSpan.At(file, line, col);
    }

    private Region ParseRegion(Module module)
    {
        Expect("{");
        Expect("^");
        Expect("(");
        var region = new Region();
        if (!IsPunct(")"))
            do
            {
                var t = Peek;
                if (t.Kind != IrTok.Value) throw Error($"expected a region argument like %0 but found {t}");
                Next();
                Expect(":");
                Define(t, region.AddArgument(ParseType()));
            } while (TryPunct(","));
        Expect(")");
        Expect(":");
        ParseOps(region, module);
        Expect("}");
        return region;
    }

    private AttrDict ParseAttrs(OpDef? def)
    {
        Expect("{");
        var items = new List<KeyValuePair<string, Attr>>();
        if (!IsPunct("}"))
            do
            {
                var keyTok = Peek;
                var key = ExpectIdent("an attribute name");
                if (items.Any(kv => kv.Key == key)) throw Error($"attribute '{key}' is given twice", keyTok);
                Expect("=");
                items.Add(new KeyValuePair<string, Attr>(key, ParseAttrValue(def?.FindAttr(key)?.Kind)));
            } while (TryPunct(","));
        Expect("}");
        return new AttrDict(items);
    }

    private Attr ParseAttrValue(AttrKind? kind)
    {
        var t = Peek;
        switch (t.Kind)
        {
            case IrTok.String: Next(); return Attr.Str(t.Text);
            case IrTok.Float: Next(); return Attr.Float(double.Parse(t.Text, CultureInfo.InvariantCulture));
            case IrTok.Symbol when kind == AttrKind.Symbol: Next(); return Attr.Symbol(t.Text);
            case IrTok.Ident when t.Text is "true" or "false": Next(); return Attr.Bool(t.Text == "true");
            case IrTok.Ident when t.Text is "inf" or "nan": Next(); return Attr.Float(t.Text == "inf" ? double.PositiveInfinity : double.NaN);
            case IrTok.Punct when t.Text == "!":
                Next();
                var dt = ExpectIdent("a dtype");
                if (!DType.TryParse(dt, out var dtype)) throw Error($"unknown dtype '{dt}'");
                return Attr.Type(dtype);
            case IrTok.Punct when t.Text == "[" && kind == AttrKind.Shape:
                return Attr.Shape(ParseShape());
            case IrTok.Punct when t.Text == "[":
                Deeper(ref _listDepth, t, "attribute lists ('[')");
                Next();
                var items = new List<Attr>();
                if (!IsPunct("]")) do items.Add(ParseAttrValue(kind == AttrKind.IntList ? AttrKind.Int : null)); while (TryPunct(","));
                Expect("]");
                _listDepth--;
                return Attr.List(items);
            case IrTok.Punct when t.Text == "-" && _toks[_pos + 1].Kind == IrTok.Float:
                Next();
                return Attr.Float(-double.Parse(Next().Text, CultureInfo.InvariantCulture));
            case IrTok.Punct when t.Text == "-" && _toks[_pos + 1].Kind == IrTok.Ident && _toks[_pos + 1].Text == "inf":
                Next(); Next();
                return Attr.Float(double.NegativeInfinity);
            default:
                var e = ParseDimension();
                return kind == AttrKind.Float && e is ConstDim c ? Attr.Float(c.Value) : Attr.Int(e);
        }
    }

    private TensorType ParseType()
    {
        var t = Peek;
        var name = ExpectIdent("a tensor type like bf16[batch, 4096]");
        if (!DType.TryParse(name, out var dtype))
            throw new DiagnosticException(DiagnosticCatalog.UnknownDType.At(SpanOf(t), name, Suggest.DidYouMean(name, DType.All.Select(d => d.Name))));
        return new TensorType(dtype, ParseShape());
    }

    private Shape ParseShape()
    {
        Expect("[");
        var dims = new List<DimExpr>();
        var open = Peek;
        if (!IsPunct("]")) do dims.Add(ParseDimension()); while (TryPunct(","));
        if (dims.Count > Shape.MaxRank) throw new DiagnosticException(DiagnosticCatalog.RankTooLarge.At(SpanOf(open), "a shape", dims.Count, Shape.MaxRank));
        Expect("]");
        return new Shape(dims);
    }

    // Dimension expressions: precedence climbing over + - (1) and * / % (2); min/max calls, parentheses.
    /// <summary>One whole dimension expression (the node count bounds its depth).</summary>
    private DimExpr ParseDimension()
    {
        _dimNodes = 0;
        return ParseDimExpr();
    }

    /// <summary>What a dimension's node count bounds, for GD0105.</summary>
    private const string DimensionParts = "a dimension's brackets and chained operators";

    /// <summary>Counts one level more of <paramref name="what"/> (GD0105 names it past <see cref="MaxNesting"/>).</summary>
    private void Deeper(ref int counter, IrToken at, string what)
    {
        if (++counter > MaxNesting) throw new DiagnosticException(DiagnosticCatalog.NestingTooDeep.At(SpanOf(at), what, MaxNesting));
    }

    private DimExpr ParseDimExpr(int minPrec = 1)
    {
        var lhs = ParseDimAtom();
        while (true)
        {
            var t = Peek;
            if (t.Kind != IrTok.Punct) break;
            int prec = t.Text is "+" or "-" ? 1 : t.Text is "*" or "/" or "%" ? 2 : 0;
            if (prec < minPrec || prec == 0) break;
            Deeper(ref _dimNodes, t, DimensionParts);
            Next();
            var rhs = ParseDimExpr(prec + 1);
            var op = t.Text switch { "+" => DimOp.Add, "-" => DimOp.Sub, "*" => DimOp.Mul, "/" => DimOp.Div, _ => DimOp.Mod };
            lhs = DimExpr.Bin(op, lhs, rhs);
        }
        return lhs;
    }

    private DimExpr ParseDimAtom()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case IrTok.Int:
                Next();
                if (!long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                    throw new DiagnosticException(DiagnosticCatalog.NumberOverflow.At(SpanOf(t), t.Text));
                return DimExpr.Of(v);
            case IrTok.Symbol: Next(); return DimExpr.Param(t.Text);
            case IrTok.Ident when (t.Text == "min" || t.Text == "max") && _toks[_pos + 1].Text == "(":
                Deeper(ref _dimNodes, t, DimensionParts);
                Next(); Next();
                var a = ParseDimExpr();
                Expect(",");
                var b = ParseDimExpr();
                Expect(")");
                return DimExpr.Bin(t.Text == "min" ? DimOp.Min : DimOp.Max, a, b);
            case IrTok.Ident: Next(); return DimExpr.Sym(t.Text);
            case IrTok.Punct when t.Text == "(":
                Deeper(ref _dimNodes, t, DimensionParts);
                Next();
                var e = ParseDimExpr();
                Expect(")");
                return e;
            case IrTok.Punct when t.Text == "-":
                Deeper(ref _dimNodes, t, DimensionParts);
                Next();
                var inner = ParseDimAtom();
                return inner is ConstDim c ? DimExpr.Of(-c.Value) : DimExpr.Of(0) - inner;
            default:
                throw Error($"expected a dimension (integer, @param or symbol) but found {t}");
        }
    }
}
