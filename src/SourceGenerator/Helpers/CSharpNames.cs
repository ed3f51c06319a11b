using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>Turns .moe names into C# names and text into C# literals.</summary>
internal static class CSharpNames
{
    /// <summary>snake_case to PascalCase: kv_heads → KvHeads, d → D, top_k → TopK.</summary>
    public static string Pascal(string name)
    {
        var sb = new StringBuilder(name.Length);
        bool upper = true;
        foreach (var c in name)
        {
            if (c == '_') { upper = true; continue; }
            if (!char.IsLetterOrDigit(c)) { upper = true; continue; }
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>A valid identifier for <paramref name="name"/>: itself, or escaped with @ if a keyword,
    /// or with invalid characters replaced.</summary>
    public static string Identifier(string name)
    {
        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None) return "@" + name;
        if (SyntaxFacts.IsValidIdentifier(name)) return name;
        var sb = new StringBuilder();
        foreach (var c in name) sb.Append(SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_');
        if (sb.Length == 0 || !SyntaxFacts.IsIdentifierStartCharacter(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>
    /// Member names for the parameters: PascalCase, with "Param" appended where a name would clash with
    /// a generated member, the class itself (CS0542) or an earlier parameter (kv_heads and kvHeads).
    /// </summary>
    public static string[] ParameterMembers(IReadOnlyList<string> names, string className, IEnumerable<string> reserved)
    {
        var taken = new HashSet<string>(reserved, StringComparer.Ordinal) { className };
        var result = new string[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            var member = Identifier(Pascal(names[i]));
            while (taken.Contains(member)) member += "Param";
            taken.Add(member);
            result[i] = member;
        }
        return result;
    }

    /// <summary>A verbatim string literal (@"..."): keeps the text readable, line breaks included.</summary>
    public static string VerbatimString(string text) => "@\"" + text.Replace("\"", "\"\"") + "\"";

    /// <summary>A regular string literal on one line.</summary>
    public static string String(string text) =>
        SymbolDisplay.FormatLiteral(text, quote: true);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>A hint name (the generated file's name) from the display path and the class: unique per
    /// file and model, made of the characters Roslyn accepts.</summary>
    public static string HintName(string displayPath, string className)
    {
        var stem = displayPath.EndsWith(".moe", StringComparison.OrdinalIgnoreCase) ? displayPath.Substring(0, displayPath.Length - 4) : displayPath;
        var sb = new StringBuilder();
        foreach (var c in stem)
            sb.Append(char.IsLetterOrDigit(c) || c == '-' || c == '_' ? c : '_');
        var cleaned = sb.ToString().Trim('_');
        return (cleaned.Length == 0 ? "model" : cleaned) + "." + className + ".g.cs";
    }

    /// <summary>Whether <paramref name="ns"/> is a dotted list of identifiers (a valid namespace name).</summary>
    public static bool IsValidNamespace(string ns) =>
        ns.Length > 0 && ns.Split('.').All(part => SyntaxFacts.IsValidIdentifier(part) && SyntaxFacts.GetKeywordKind(part) == SyntaxKind.None);
}
