using System.Globalization;
using System.Linq;
using System.Text;

namespace GraphDsl.Import.Writing;

/// <summary>Values as .moe source writes them.</summary>
public static class SpecText
{
    /// <summary>A float literal: digits on both sides of the point, or an exponent (1e-05, 500000.0).</summary>
    public static string Float(double v)
    {
        var s = v.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E')) s = s.Replace("E", "e").Replace("e+", "e");
        return s.Contains('.') || s.Contains('e') ? s : s + ".0";
    }

    public static string Bool(bool b) => b ? "true" : "false";

    public static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>A model name from a folder or repository name: letters, digits and '_' ("Meta-Llama-3-8B" ->
    /// "Meta_Llama_3_8B"), starting with a letter, and not a keyword (a folder named "model", as
    /// <c>huggingface-cli download --local-dir model</c> makes, is "model_").</summary>
    public static string Identifier(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text) sb.Append(c < 128 && char.IsLetterOrDigit(c) ? c : '_');
        var s = string.Join("_", sb.ToString().Split('_').Where(p => p.Length > 0));
        if (s.Length == 0 || !char.IsLetter(s[0])) s = "M" + s;
        if (s.Length > 64) s = s.Substring(0, 64);
        return GraphDsl.Frontend.Parsing.SyntaxParser.IsKeyword(s) ? s + "_" : s;
    }

    /// <summary>A comment line's text: one line, no control characters (config values are outside input).</summary>
    public static string Comment(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text) sb.Append(char.IsControl(c) ? ' ' : c);
        var s = sb.ToString();
        return s.Length > 400 ? s.Substring(0, 400) + "..." : s;
    }
}
