using System.Collections.Generic;
using System.Text;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Ir.Text;

internal enum IrTok { Ident, Value, Symbol, Int, Float, String, Punct, End }

internal readonly struct IrToken
{
    public IrToken(IrTok kind, string text, int line, int col, int offset) { Kind = kind; Text = text; Line = line; Col = col; Offset = offset; }
    public IrTok Kind { get; }
    public string Text { get; }
    public int Line { get; }
    public int Col { get; }
    public int Offset { get; }
    public override string ToString() => Kind == IrTok.End ? "end of input" : "'" + Text + "'";
}

/// <summary>Tokens of the IR text: <c>%3</c> values, <c>@name</c> symbols, dotted identifiers, numbers,
/// strings and punctuation; <c>//</c> comments are skipped.</summary>
internal static class IrLexer
{
    public static List<IrToken> Lex(string text, string file)
    {
        var toks = new List<IrToken>();
        int i = 0, line = 1, col = 1;
        // "\r\n", "\n" and a lone "\r" each end one line (a CR-only file's diagnostics were all on line 1).
        void Advance(int n) { for (int k = 0; k < n; k++) { if (LineBreaks.EndsLineAt(text, i)) { line++; col = 1; } else col++; i++; } }
        SourceSpan Here(int len = 1) => SourceSpan.At(file, line, col, len, i);

        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { Advance(1); continue; }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && !LineBreaks.IsBreakChar(text[i])) Advance(1);
                continue;
            }
            int start = i, sl = line, sc = col;
            if (c == '%' && i + 1 < text.Length && IsDigit(text[i + 1]))
            {
                Advance(1);
                while (i < text.Length && IsDigit(text[i])) Advance(1);
                toks.Add(new IrToken(IrTok.Value, text.Substring(start + 1, i - start - 1), sl, sc, start));
                continue;
            }
            if (c == '@')
            {
                Advance(1);
                while (i < text.Length && IsIdentChar(text[i])) Advance(1);
                if (i == start + 1) throw new DiagnosticException(DiagnosticCatalog.IrSyntaxError.At(SourceSpan.At(file, sl, sc, 1, start), "expected a name after '@'"));
                toks.Add(new IrToken(IrTok.Symbol, text.Substring(start + 1, i - start - 1), sl, sc, start));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (IsIdentChar(text[i]) || text[i] == '.')) Advance(1);
                toks.Add(new IrToken(IrTok.Ident, text.Substring(start, i - start), sl, sc, start));
                continue;
            }
            // ASCII digits only: numbers are parsed with the invariant culture, which knows no other digits.
            if (IsDigit(c))
            {
                bool isFloat = false;
                while (i < text.Length && IsDigit(text[i])) Advance(1);
                if (i < text.Length && text[i] == '.' && i + 1 < text.Length && IsDigit(text[i + 1]))
                {
                    isFloat = true; Advance(1);
                    while (i < text.Length && IsDigit(text[i])) Advance(1);
                }
                if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
                {
                    isFloat = true; Advance(1);
                    if (i < text.Length && (text[i] == '+' || text[i] == '-')) Advance(1);
                    int digits = i;
                    while (i < text.Length && IsDigit(text[i])) Advance(1);
                    if (i == digits)
                        throw new DiagnosticException(DiagnosticCatalog.InvalidFloat.At(SourceSpan.At(file, sl, sc, i - start, start), text.Substring(start, i - start)));
                }
                toks.Add(new IrToken(isFloat ? IrTok.Float : IrTok.Int, text.Substring(start, i - start), sl, sc, start));
                continue;
            }
            if (c == '"')
            {
                Advance(1);
                var sb = new StringBuilder();
                while (true)
                {
                    if (i >= text.Length || LineBreaks.IsBreakChar(text[i]))
                        throw new DiagnosticException(DiagnosticCatalog.UnterminatedString.At(SourceSpan.At(file, sl, sc, 1, start)));
                    char d = text[i];
                    if (d == '"') { Advance(1); break; }
                    if (d == '\\' && i + 1 < text.Length)
                    {
                        char e = text[i + 1];
                        Advance(2);
                        switch (e)
                        {
                            case 'n': sb.Append('\n'); break;
                            case 't': sb.Append('\t'); break;
                            case 'u' when i + 4 <= text.Length && int.TryParse(text.Substring(i, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                                sb.Append((char)code); Advance(4); break;
                            default: sb.Append(e); break;
                        }
                        continue;
                    }
                    sb.Append(d); Advance(1);
                }
                toks.Add(new IrToken(IrTok.String, sb.ToString(), sl, sc, start));
                continue;
            }
            if (c == '-' && i + 1 < text.Length && text[i + 1] == '>') { Advance(2); toks.Add(new IrToken(IrTok.Punct, "->", sl, sc, start)); continue; }
            if ("{}()[],:=^!+-*/%".IndexOf(c) >= 0) { Advance(1); toks.Add(new IrToken(IrTok.Punct, c.ToString(), sl, sc, start)); continue; }
            throw new DiagnosticException(DiagnosticCatalog.UnexpectedCharacter.At(Here(), c.ToString()));
        }
        toks.Add(new IrToken(IrTok.End, "", line, col, i));
        return toks;
    }

    private static bool IsIdentChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool IsDigit(char c) => c is >= '0' and <= '9';
}
