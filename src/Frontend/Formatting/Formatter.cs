using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Antlr4.Runtime;
using GraphDsl.Frontend.Generated;
using GraphDsl.Frontend.Parsing;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;
using L = GraphDsl.Frontend.Generated.GraphDslLexer;

namespace GraphDsl.Frontend.Formatting;

/// <summary>
/// The canonical layout of a .moe file. Works on tokens, so comments survive: the user's line breaks
/// are kept (blank lines collapse to one), indentation is two spaces per open brace (plus one level per
/// bracket still open at the start of a continuation line), and spacing inside a line follows fixed
/// rules (spaces around binary operators, after commas and colons, none inside brackets or before a
/// call's parenthesis). Files with syntax errors are not formatted.
/// </summary>
public static class Formatter
{
    public static string? Format(SourceText source, DiagnosticBag diagnostics)
    {
        if (SyntaxParser.Parse(source, diagnostics) is null || diagnostics.HasErrors) return null;
        var tokens = Tokens(source.Text).Where(t => t.Type != L.WS || LineBreaks.Count(t.Text) > 0).ToList();
        var text = Layout(tokens);
        // The layout only moves white space: a formatted file that reads as other tokens would be a changed
        // program (fmt --write would destroy the source), so it is an internal error, never output.
        if (!Tokens(text).Where(t => t.Type != L.WS).Select(t => (t.Type, t.Type == L.LINE_COMMENT ? t.Text.TrimEnd() : t.Text))
                .SequenceEqual(tokens.Where(t => t.Type != L.WS).Select(t => (t.Type, t.Type == L.LINE_COMMENT ? t.Text.TrimEnd() : t.Text))))
            throw new InvalidOperationException($"the formatted text of '{source.Path}' reads as other tokens than the source");
        return text;
    }

    private static IList<IToken> Tokens(string text)
    {
        var lexer = new GraphDslLexer(new AntlrInputStream(text));
        lexer.RemoveErrorListeners();
        return lexer.GetAllTokens();
    }

    private static string Layout(List<IToken> tokens)
    {
        var unary = UnaryMinuses(tokens);
        var sb = new StringBuilder();
        var line = new StringBuilder();
        int braceDepth = 0;
        int lineIndent = 0;
        // Open brackets: the column continuation lines align to, and the indent of the line that opened it.
        var brackets = new Stack<(int Align, int OpenerIndent, bool Followed)>();
        int pendingNewlines = 0;
        IToken? prev = null;
        var ternary = new Stack<int>(); // bracket depth of each open '?'
        bool atLineStart = true;

        void Flush()
        {
            sb.Append(line.ToString().TrimEnd()).Append('\n');
            line.Clear();
            atLineStart = true;
        }

        foreach (var t in tokens)
        {
            if (t.Type == L.WS)
            {
                pendingNewlines += LineBreaks.Count(t.Text);
                continue;
            }
            if (pendingNewlines > 0 && line.Length > 0)
            {
                Flush();
                if (pendingNewlines > 1 && !IsOpen(prev) && t.Type != L.RBRACE) sb.Append('\n');
                prev = null;
            }
            else if (pendingNewlines > 1 && sb.Length > 0 && line.Length == 0 && t.Type != L.RBRACE) sb.Append('\n');
            pendingNewlines = 0;

            if (atLineStart)
            {
                if (brackets.Count > 0)
                {
                    var top = brackets.Peek();
                    // A bracket that ended its line indents what follows by one level; otherwise align after it.
                    if (!top.Followed) { brackets.Pop(); top = (top.OpenerIndent + 4, top.OpenerIndent, true); brackets.Push(top); }
                    lineIndent = t.Type is L.RPAREN or L.RBRACK ? top.OpenerIndent : top.Align;
                }
                else lineIndent = 2 * Math.Max(0, t.Type == L.RBRACE ? braceDepth - 1 : braceDepth);
                line.Append(' ', lineIndent);
                atLineStart = false;
            }
            else if (prev is not null && NeedsSpace(prev, t, ternary, brackets.Count, unary)) line.Append(' ');

            if (brackets.Count > 0 && !brackets.Peek().Followed && t.Type is not (L.LINE_COMMENT or L.BLOCK_COMMENT))
            {
                var top = brackets.Pop();
                brackets.Push((top.Align, top.OpenerIndent, true));
            }
            line.Append(t.Type == L.LINE_COMMENT ? t.Text.TrimEnd() : t.Text);

            switch (t.Type)
            {
                case L.LBRACE: braceDepth++; break;
                case L.RBRACE: braceDepth = Math.Max(0, braceDepth - 1); break;
                case L.LPAREN or L.LBRACK: brackets.Push((line.Length, lineIndent, false)); break;
                case L.RPAREN or L.RBRACK: if (brackets.Count > 0) brackets.Pop(); break;
                case L.QUESTION: ternary.Push(brackets.Count); break;
                case L.COLON when ternary.Count > 0 && ternary.Peek() == brackets.Count: ternary.Pop(); break;
            }
            prev = t.Type == L.LINE_COMMENT ? null : t;
        }
        if (line.Length > 0) Flush();
        var text = sb.ToString().TrimEnd('\n');
        return text.Length == 0 ? "" : text.TrimStart('\n') + "\n";
    }

    private static bool IsOpen(IToken? t) => t is not null && t.Type is L.LBRACE;

    private static readonly HashSet<int> BinaryOps = new()
    {
        L.PLUS, L.STAR, L.SLASH, L.DSLASH, L.PERCENT, L.LT, L.LE, L.GT, L.GE, L.EQ, L.NE, L.AND, L.OR, L.ASSIGN, L.ARROW, L.QUESTION,
    };

    private static readonly HashSet<int> Keywords = new()
    {
        L.IMPORT, L.CONST, L.BLOCK, L.MODEL, L.FOR, L.PARAM, L.DTYPE, L.INPUT, L.WEIGHT, L.LET, L.REPEAT, L.AS, L.IF, L.ELSE, L.RETURN, L.OUTPUT,
    };

    /// <summary>Tokens after which a '-' is unary.</summary>
    private static bool StartsOperand(IToken prev) =>
        BinaryOps.Contains(prev.Type) || prev.Type is L.LPAREN or L.LBRACK or L.COMMA or L.COLON or L.MINUS or L.NOT or L.LBRACE
        || Keywords.Contains(prev.Type);

    /// <summary>A '-' is unary when nothing that ends an operand precedes it.</summary>
    private static HashSet<IToken> UnaryMinuses(List<IToken> tokens)
    {
        var set = new HashSet<IToken>();
        IToken? prev = null;
        foreach (var t in tokens)
        {
            if (t.Type is L.WS or L.LINE_COMMENT or L.BLOCK_COMMENT) continue;
            if (t.Type == L.MINUS && (prev is null || StartsOperand(prev))) set.Add(t);
            prev = t;
        }
        return set;
    }

    private static bool NeedsSpace(IToken prev, IToken t, Stack<int> ternary, int bracketDepth, HashSet<IToken> unary)
    {
        if (t.Type is L.LINE_COMMENT or L.BLOCK_COMMENT) return true;
        if (prev.Type is L.BLOCK_COMMENT) return true;
        if (t.Type is L.COMMA or L.SEMI or L.RPAREN or L.RBRACK or L.DOT) return false;
        if (prev.Type is L.LPAREN or L.LBRACK or L.DOT or L.NOT) return false;
        if (t.Type == L.COLON) return ternary.Count > 0 && ternary.Peek() == bracketDepth;
        if (prev.Type is L.COMMA or L.COLON) return true;
        if (t.Type == L.LPAREN) return Keywords.Contains(prev.Type) || BinaryOps.Contains(prev.Type) || prev.Type == L.MINUS;
        if (t.Type == L.LBRACK) return prev.Type != L.ID;
        if (prev.Type == L.MINUS) return !unary.Contains(prev);
        if (t.Type == L.MINUS) return true;
        if (BinaryOps.Contains(t.Type) || BinaryOps.Contains(prev.Type)) return true;
        return true;
    }


}
