using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace GraphDsl.SourceGenerator.Helpers;

/// <summary>
/// Turns .moe names into C# names. Every name is made of ASCII letters, digits and '_' only (anything
/// else becomes '_'), so no name from a .moe file or an option can carry a line break, a bidirectional
/// control or a look-alike letter into generated code. Literals and comments are <see cref="CSharpText"/>'s.
/// </summary>
internal static class CSharpNames
{
    /// <summary>snake_case to PascalCase: kv_heads → KvHeads, d → D, top_k → TopK.</summary>
    public static string Pascal(string name)
    {
        var sb = new StringBuilder(name.Length);
        bool upper = true;
        foreach (var c in name)
        {
            if (!IsAsciiLetterOrDigit(c)) { upper = true; continue; }
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>A valid ASCII identifier for <paramref name="name"/>: itself when it is one, else with every
    /// other character replaced by '_', '_' in front of a leading digit, and @ in front of a keyword.</summary>
    public static string Identifier(string name)
    {
        var sb = new StringBuilder(name.Length + 1);
        foreach (var c in name) sb.Append(IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        var identifier = sb.ToString();
        return SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;
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

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>A hint name (the generated file's name) from the display path and the class: the readable part is
    /// made of the characters Roslyn accepts, and a hash of the exact path and class keeps it unique. Roslyn
    /// compares hint names ignoring case and refuses a second one (the whole generator then fails, CS8785, and
    /// every model's class is lost), while the readable part alone is not unique: 'a b.moe' and 'a_b.moe' both
    /// read 'a_b', and two models 'Net' and 'NET' of one file differ only in case.</summary>
    public static string HintName(string displayPath, string className)
    {
        var stem = displayPath.EndsWith(".moe", StringComparison.OrdinalIgnoreCase) ? displayPath.Substring(0, displayPath.Length - 4) : displayPath;
        var cleaned = FileNamePart(stem).Trim('_');
        // A keyword's class name (@class) loses its '@', which a hint name may not hold.
        return (cleaned.Length == 0 ? "model" : cleaned) + "." + Fnv1a(displayPath + "\n" + className).ToString("x8", CultureInfo.InvariantCulture)
            + "." + FileNamePart(className.TrimStart('@')) + ".g.cs";
    }

    /// <summary>32-bit FNV-1a over UTF-16 code units: stable across runs and platforms (string.GetHashCode is not).</summary>
    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (var c in text) { hash ^= c; hash *= 16777619; }
        return hash;
    }

    private static string FileNamePart(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
            sb.Append(IsAsciiLetterOrDigit(c) || c == '-' || c == '_' ? c : '_');
        return sb.ToString();
    }

    /// <summary>Whether <paramref name="ns"/> is a dotted list of ASCII identifiers (a valid namespace name
    /// that <see cref="Identifier"/> leaves as it is).</summary>
    public static bool IsValidNamespace(string ns) =>
        ns.Length > 0 && ns.Split('.').All(part => part.Length > 0 && Identifier(part) == part);

    private static bool IsAsciiLetterOrDigit(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';
}
