using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Antlr4.Runtime;
using GraphDsl.Frontend.Generated;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Parsing;

/// <summary>
/// Text to syntax tree: lexes, rejects inputs that could exhaust the stack (deep nesting, huge files),
/// parses with ANTLR's error recovery so that several syntax errors are reported in one run, and
/// builds the immutable tree. Never throws on bad input.
/// </summary>
public static class SyntaxParser
{
    /// <summary>The largest .moe source (bytes on disk, characters in memory): a thousand times the largest
    /// sample (under 4 KB), and a bound on the tokens and tree the parser holds.</summary>
    public const int MaxFileBytes = 4 << 20;

    /// <summary>Whether <paramref name="word"/> is a keyword of the language (<c>model</c>, <c>import</c>, <c>true</c>, ...),
    /// which cannot name a model, block or value; read from the grammar's own vocabulary.</summary>
    public static bool IsKeyword(string word)
    {
        var vocabulary = GraphDslLexer.DefaultVocabulary;
        for (int type = 1; vocabulary.GetSymbolicName(type) is not null || vocabulary.GetLiteralName(type) is not null; type++)
            if (vocabulary.GetLiteralName(type) == "'" + word + "'") return true;
        return false;
    }
    public const int MaxNesting = 200;
    private const int ParserStackBytes = 64 << 20;

    public static FileSyntax? Parse(SourceText source, DiagnosticBag diagnostics)
    {
        if (source.Text.Length > MaxFileBytes)
        {
            diagnostics.Report(DiagnosticCatalog.FileTooLarge, source.Span(0, 0), source.Path, source.Text.Length, MaxFileBytes);
            return null;
        }
        var lexer = new GraphDslLexer(new AntlrInputStream(source.Text));
        lexer.RemoveErrorListeners();
        var all = lexer.GetAllTokens();
        var kept = new List<IToken>();
        var lexErrorLines = new HashSet<int>();
        foreach (var t in all)
        {
            switch (t.Type)
            {
                case GraphDslLexer.ERROR_CHAR:
                    diagnostics.Report(DiagnosticCatalog.UnexpectedCharacter, SpanOf(source, t), t.Text);
                    lexErrorLines.Add(SpanOf(source, t).Line);
                    break;
                case GraphDslLexer.UNTERMINATED_STRING:
                    diagnostics.Report(DiagnosticCatalog.UnterminatedString, SpanOf(source, t));
                    // Parse on as if it were closed, so the rest of the line does not cascade.
                    kept.Add(new CommonToken(t) { Type = GraphDslLexer.STRING, Text = t.Text + "\"" });
                    break;
                default:
                    kept.Add(t);
                    break;
            }
        }
        if (!CheckDepth(source, kept, diagnostics) || !CheckExpressionLength(source, kept, diagnostics)) return null;

        var eof = new CommonToken(TokenConstants.EOF, "<EOF>") { StartIndex = source.Text.Length, StopIndex = source.Text.Length - 1 };
        var (eofLine, eofCol) = source.Position(source.Text.Length);
        eof.Line = eofLine; eof.Column = eofCol - 1;
        kept.Add(eof);
        var parser = new GraphDslParser(new CommonTokenStream(new ListTokenSource(kept)));
        parser.RemoveErrorListeners();
        parser.ErrorHandler = new StatementRecovery();
        var listener = new SyntaxErrorListener(source, diagnostics, lexErrorLines);
        parser.AddErrorListener(listener);

        // ANTLR and the tree walk recurse per nesting level; a private thread with a large stack keeps
        // pathological but legal inputs (long operator chains) from overflowing.
        FileSyntax? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var tree = parser.file();
                if (listener.Count == 0) result = new AstBuilder(source, diagnostics).BuildFile(tree);
            }
            catch (Exception e) { failure = e; }
        }, ParserStackBytes);
        thread.Start();
        thread.Join();
        if (failure is not null)
            diagnostics.Report(DiagnosticCatalog.InternalError, source.Span(0, 0), "parser: " + failure.Message);
        return result;
    }

    internal static SourceSpan SpanOf(SourceText source, IToken t) =>
        t.Type == TokenConstants.EOF ? source.Span(source.Text.Length, source.Text.Length) : source.Span(t.StartIndex, t.StopIndex + 1);

    private static bool CheckDepth(SourceText source, List<IToken> tokens, DiagnosticBag diagnostics)
    {
        int unaryRun = 0, questions = 0;
        // The open brackets by kind: a closer closes the innermost open bracket of its own kind (and what is open
        // inside it) and is ignored when none is open, so '{' then ')' repeated does not look balanced (found by
        // fuzzing: 17,000 such lines nested the parser's error recovery 17,000 deep, two minutes).
        var open = new Stack<int>();
        foreach (var t in tokens)
        {
            if (t.Channel != TokenConstants.DefaultChannel) continue;
            switch (t.Type)
            {
                case GraphDslLexer.LPAREN: case GraphDslLexer.LBRACK: case GraphDslLexer.LBRACE: open.Push(t.Type); break;
                case GraphDslLexer.RPAREN: Close(open, GraphDslLexer.LPAREN); break;
                case GraphDslLexer.RBRACK: Close(open, GraphDslLexer.LBRACK); break;
                case GraphDslLexer.RBRACE: Close(open, GraphDslLexer.LBRACE); break;
                case GraphDslLexer.QUESTION: questions++; break;
            }
            int depth = open.Count;
            unaryRun = t.Type is GraphDslLexer.MINUS or GraphDslLexer.NOT ? unaryRun + 1 : 0;
            if (depth > MaxNesting || unaryRun > MaxNesting || questions > 4 * MaxNesting)
            {
                diagnostics.Report(DiagnosticCatalog.NestingTooDeep, SpanOf(source, t), Nested(t.Type, depth > MaxNesting, unaryRun > MaxNesting), MaxNesting);
                return false;
            }
        }
        return true;
    }

    /// <summary>What went past the nesting limit, for GD0105: a deep <c>repeat</c> block is not an "expression".
    /// Blocks and brackets share one depth, so each names the other too.</summary>
    private static string Nested(int token, bool tooDeep, bool unaryRun) => (tooDeep, unaryRun) switch
    {
        (true, _) when token == GraphDslLexer.LBRACE => "blocks ('{ }' bodies of repeat, if and the like, counted with the brackets around them)",
        (true, _) => "brackets ('(' and '[', counted with the blocks around them)",
        (_, true) => "unary operators ('-' and 'not' in a row)",
        _ => "conditional expressions ('a ? b : c', counted over the file)",
    };

    /// <summary>Pops to the innermost <paramref name="opener"/> when one is open (at most <see cref="MaxNesting"/> are).</summary>
    private static void Close(Stack<int> open, int opener)
    {
        if (!open.Contains(opener)) return;
        while (open.Pop() != opener) { }
    }

    /// <summary>
    /// The most binary operators one expression may chain at one bracket level. A flat chain deeper than
    /// the syntax tree allows (GD0105) is only seen after ANTLR has parsed it, which for an 800 KB
    /// <c>1+1+...+1</c> takes seconds; counted on the tokens, it is refused in milliseconds. Mixed
    /// precedence (<c>a*b + c*d</c>) keeps a long chain shallow, so this is a limit of its own, far above
    /// any real expression.
    /// </summary>
    public const int MaxExpressionOperators = 10_000;

    /// <summary>
    /// Counts binary operators per expression without parsing: a run continues while operands and
    /// operators alternate, a bracketed group is one operand (its inside is counted on its own), and a
    /// run ends at a separator or keyword, or where two operands meet (the next statement begins).
    /// </summary>
    private static bool CheckExpressionLength(SourceText source, List<IToken> tokens, DiagnosticBag diagnostics)
    {
        var outer = new Stack<int>();
        int run = 0;
        bool afterOperand = false;
        foreach (var t in tokens)
        {
            if (t.Channel != TokenConstants.DefaultChannel) continue;
            switch (t.Type)
            {
                case GraphDslLexer.LPAREN: case GraphDslLexer.LBRACK: case GraphDslLexer.LBRACE:
                    if (afterOperand && t.Type == GraphDslLexer.LBRACE) run = 0;
                    outer.Push(run); run = 0; afterOperand = false;
                    break;
                case GraphDslLexer.RPAREN: case GraphDslLexer.RBRACK: case GraphDslLexer.RBRACE:
                    run = outer.Count > 0 ? outer.Pop() : 0; afterOperand = t.Type != GraphDslLexer.RBRACE;
                    break;
                case GraphDslLexer.INT: case GraphDslLexer.FLOAT: case GraphDslLexer.ID: case GraphDslLexer.STRING:
                case GraphDslLexer.TRUE: case GraphDslLexer.FALSE:
                    if (afterOperand) run = 0;
                    afterOperand = true;
                    break;
                case GraphDslLexer.PLUS: case GraphDslLexer.MINUS: case GraphDslLexer.STAR: case GraphDslLexer.SLASH:
                case GraphDslLexer.DSLASH: case GraphDslLexer.PERCENT: case GraphDslLexer.LT: case GraphDslLexer.LE:
                case GraphDslLexer.GT: case GraphDslLexer.GE: case GraphDslLexer.EQ: case GraphDslLexer.NE:
                case GraphDslLexer.AND: case GraphDslLexer.OR: case GraphDslLexer.QUESTION:
                    // After an operand this is a binary operator; otherwise a unary '-' (GD0105 bounds those).
                    if (afterOperand && ++run > MaxExpressionOperators)
                    {
                        diagnostics.Report(DiagnosticCatalog.ExpressionTooLong, SpanOf(source, t), MaxExpressionOperators);
                        return false;
                    }
                    afterOperand = false;
                    break;
                case GraphDslLexer.DOT: case GraphDslLexer.COLON:
                    afterOperand = false;   // nn.add, name: value and c ? a : b continue the expression
                    break;
                default:
                    run = 0; afterOperand = false;   // '=', ',', ';', '->', keywords: a new expression
                    break;
            }
        }
        return true;
    }

    private sealed class SyntaxErrorListener : IAntlrErrorListener<IToken>
    {
        private readonly SourceText _source;
        private readonly DiagnosticBag _diagnostics;
        private readonly HashSet<int> _lexErrorLines;
        private int _lastLine = -1, _lastColumn = -1;

        public SyntaxErrorListener(SourceText source, DiagnosticBag diagnostics, HashSet<int> lexErrorLines)
        {
            _source = source; _diagnostics = diagnostics; _lexErrorLines = lexErrorLines;
        }

        public int Count { get; private set; }

        public void SyntaxError(TextWriter output, IRecognizer recognizer, IToken offendingSymbol, int line, int charPositionInLine,
            string msg, RecognitionException e)
        {
            var span = SpanOf(_source, offendingSymbol);
            Count++;
            // ANTLR may report twice at one token while recovering; once is enough. A line with a bad
            // character already has its error.
            if ((span.Line == _lastLine && span.Column == _lastColumn) || _lexErrorLines.Contains(span.Line)) return;
            _lastLine = span.Line; _lastColumn = span.Column;
            _diagnostics.Report(DiagnosticCatalog.SyntaxError, span, Friendly(msg, offendingSymbol, recognizer));
        }

        private static string Friendly(string msg, IToken token, IRecognizer recognizer)
        {
            var found = token.Type == TokenConstants.EOF ? "end of file" : $"'{token.Text}'";
            var expected = "";
            if (recognizer is Parser p)
            {
                try
                {
                    var names = p.GetExpectedTokens().ToList().Select(i => Describe(p.Vocabulary, i)).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
                    if (names.Count > 0 && names.Count <= 12) expected = "; expected " + (names.Count == 1 ? names[0] : "one of " + string.Join(", ", names));
                }
                catch (Exception) { /* expected set unavailable in this state */ }
            }
            if (msg.StartsWith("missing ", StringComparison.Ordinal))
                return $"{msg.Substring(0, msg.IndexOf(" at ", StringComparison.Ordinal) is var i && i > 0 ? i : msg.Length)} before {found}";
            return $"unexpected {found}{expected}";
        }

        private static string Describe(IVocabulary v, int type)
        {
            if (type == TokenConstants.EOF) return "end of file";
            var lit = v.GetLiteralName(type);
            if (lit is not null) return lit;
            return type switch
            {
                GraphDslLexer.ID => "a name",
                GraphDslLexer.INT => "an integer",
                GraphDslLexer.FLOAT => "a number",
                GraphDslLexer.STRING => "a string",
                _ => v.GetSymbolicName(type) ?? type.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
    }
}
