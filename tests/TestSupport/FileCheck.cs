using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace GraphDsl.TestSupport;

/// <summary>
/// LLVM FileCheck's core, for expectations written beside a test's input (<c>// CHECK: ...</c>), as MLIR's
/// pass tests are: each <c>CHECK:</c> pattern must match a line at or after the previous match, in order;
/// <c>CHECK-NEXT:</c> must match the very next line; <c>CHECK-NOT:</c> must match no line between the
/// matches around it. A pattern is literal text with <c>{{regex}}</c> parts; surrounding spaces are ignored.
/// </summary>
public static class FileCheck
{
    private sealed record Directive(string Kind, string Pattern, int Line, Regex Regex);

    /// <summary>The directives written in <paramref name="checks"/> (lines holding <c>CHECK:</c>, <c>CHECK-NEXT:</c> or <c>CHECK-NOT:</c>).</summary>
    public static bool HasDirectives(string checks) => Parse(checks).Count > 0;

    /// <summary>Checks <paramref name="output"/> against the directives of <paramref name="checks"/>; throws with
    /// the failing directive, its line and the output where the search was when a directive fails.</summary>
    public static void Verify(string checks, string output)
    {
        var directives = Parse(checks);
        if (directives.Count == 0) throw new Xunit.Sdk.XunitException("no CHECK directives");
        var lines = output.Replace("\r\n", "\n").Split('\n');
        int at = 0;  // first line the next positive match may use
        var pendingNot = new List<Directive>();
        int lastMatch = -1;
        foreach (var d in directives)
        {
            if (d.Kind == "CHECK-NOT") { pendingNot.Add(d); continue; }
            int found = -1;
            if (d.Kind == "CHECK-NEXT")
            {
                if (lastMatch < 0) Fail(d, "CHECK-NEXT has no CHECK before it", lines, at);
                if (lastMatch + 1 < lines.Length && d.Regex.IsMatch(lines[lastMatch + 1])) found = lastMatch + 1;
            }
            else
                for (int i = at; i < lines.Length && found < 0; i++)
                    if (d.Regex.IsMatch(lines[i])) found = i;
            if (found < 0) Fail(d, d.Kind == "CHECK-NEXT" ? "the next line does not match" : "no match", lines, at);
            foreach (var n in pendingNot)
                for (int i = at; i < found; i++)
                    if (n.Regex.IsMatch(lines[i])) Fail(n, $"excluded text found on output line {i + 1}: {lines[i].Trim()}", lines, at);
            pendingNot.Clear();
            lastMatch = found;
            at = found + 1;
        }
        foreach (var n in pendingNot)
            for (int i = at; i < lines.Length; i++)
                if (n.Regex.IsMatch(lines[i])) Fail(n, $"excluded text found on output line {i + 1}: {lines[i].Trim()}", lines, at);
    }

    private static void Fail(Directive d, string why, string[] lines, int at)
    {
        var context = string.Join("\n", lines.Skip(Math.Max(0, at - 2)).Take(12));
        throw new Xunit.Sdk.XunitException($"line {d.Line}: {d.Kind}: {d.Pattern}\n{why}; output from line {Math.Max(1, at - 1)}:\n{context}");
    }

    private static List<Directive> Parse(string checks)
    {
        var result = new List<Directive>();
        var lines = checks.Replace("\r\n", "\n").Split('\n');
        var directive = new Regex(@"\b(CHECK(?:-NEXT|-NOT)?):(.*)$");
        for (int i = 0; i < lines.Length; i++)
        {
            var m = directive.Match(lines[i]);
            if (!m.Success) continue;
            var pattern = m.Groups[2].Value.Trim();
            result.Add(new Directive(m.Groups[1].Value, pattern, i + 1, new Regex(ToRegex(pattern))));
        }
        return result;
    }

    /// <summary>Literal text, except <c>{{...}}</c>, which is a regular expression.</summary>
    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < pattern.Length)
        {
            int open = pattern.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0) { sb.Append(Regex.Escape(pattern.Substring(i))); break; }
            int close = pattern.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw new ArgumentException($"unclosed '{{{{' in CHECK pattern: {pattern}");
            sb.Append(Regex.Escape(pattern.Substring(i, open - i)));
            sb.Append('(').Append(pattern, open + 2, close - open - 2).Append(')');
            i = close + 2;
        }
        return sb.ToString();
    }
}
