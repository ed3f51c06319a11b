using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using GraphDsl.Frontend.Formatting;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import.Writing;

/// <summary>
/// Writes a <see cref="SpecDocument"/> as .moe source in the samples' layout (header comment, imports of the standard
/// library modules it calls, params, dtype, layers as repeats) and runs it through the formatter, so that
/// <c>graphdsl fmt</c> of an imported spec changes nothing.
/// </summary>
public static class SpecWriter
{
    /// <summary>The standard library modules, in the order the samples import them, and a call that needs each.</summary>
    private static readonly (string Module, string[] Blocks)[] Modules =
    {
        ("std/norm", new[] { "rmsnorm", "layernorm" }),
        ("std/attention", new[] { "attention", "mla" }),
        ("std/ffn", new[] { "gated_ffn", "ffn" }),
        ("std/moe", new[] { "moe" }),
        ("std/linear", new[] { "linear", "embedding", "lm_head", "tied_lm_head" }),
    };

    public static string Write(SpecDocument doc, string sourceName)
    {
        var body = new StringBuilder();
        foreach (var b in doc.Blocks) body.Append(b.TrimEnd()).Append("\n\n");
        WriteModel(body, doc.Model);
        foreach (var part in doc.Parts)
        {
            body.Append('\n');
            WriteModel(body, part);
        }
        var text = new StringBuilder();
        foreach (var h in doc.Header) text.Append("# ").Append(SpecText.Comment(h)).Append('\n');
        var code = body.ToString();
        foreach (var (module, blocks) in Modules)
            if (blocks.Any(b => Regex.IsMatch(code, @"(?<![\w.])" + b + @"\("))) text.Append("import \"").Append(module).Append("\"\n");
        text.Append('\n').Append(code);
        var diagnostics = new DiagnosticBag();
        return Formatter.Format(new SourceText(sourceName, text.ToString()), diagnostics)
            ?? throw new InvalidOperationException("the importer wrote a spec the formatter cannot parse: " + string.Join("; ", diagnostics.Items));
    }

    private static void WriteModel(StringBuilder s, ModelSpec m)
    {
        foreach (var c in m.Comments) s.Append("# ").Append(SpecText.Comment(c)).Append('\n');
        s.Append("model ").Append(m.Name).Append(m.Target is null ? "" : " for " + m.Target).Append(" {\n");
        foreach (var (name, value) in m.Params) s.Append("param ").Append(name).Append(" = ").Append(value).Append('\n');
        s.Append("dtype ").Append(m.DType).Append("\n\n");
        foreach (var l in m.Prologue) s.Append(l).Append('\n');
        WriteLayers(s, m);
        foreach (var l in m.Epilogue) s.Append(l).Append('\n');
        s.Append("}\n");
    }

    private static void WriteLayers(StringBuilder s, ModelSpec m)
    {
        var segments = LayerPlan.Of(m.Layers);
        var used = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            var n = name;
            for (int i = 2; !used.Add(n); i++) n = name + "_" + i;
            return n;
        }
        bool single = segments.Count == 1 && segments[0].Group.Count == 1;
        var layersParam = m.Params.FirstOrDefault(p => p.Name == "layers");
        foreach (var seg in segments)
        {
            if (seg.Group.Count == 1)
            {
                var run = seg.Group[0];
                // A param that holds the count names it, as the samples write it (repeat dense_layers as dense_layers).
                var named = m.Params.FirstOrDefault(p => p.Name == run.Layer.Kind + "_layers" && p.Value == Count(seg.Count)).Name;
                var count = single && layersParam.Value == Count(seg.Count) ? "layers" : named ?? Count(seg.Count);
                s.Append("repeat ").Append(count).Append(" as ").Append(Unique(single ? "layers" : run.Layer.Kind + "_layers")).Append(" {\n");
                foreach (var l in run.Layer.Render("")) s.Append(l).Append('\n');
                s.Append("}\n");
                continue;
            }
            s.Append("# Layers repeat in groups of ").Append(seg.Group.Sum(r => r.Count)).Append(": ")
                .Append(string.Join(", ", seg.Group.Select(r => r.Count == 1 ? r.Layer.Kind : $"{r.Count} {r.Layer.Kind}"))).Append(".\n");
            s.Append("repeat ").Append(Count(seg.Count)).Append(" as ").Append(Unique("layers")).Append(" {\n");
            var inner = new HashSet<string>(StringComparer.Ordinal);
            foreach (var run in seg.Group)
            {
                var name = run.Layer.Kind;
                for (int i = 2; !inner.Add(name); i++) name = run.Layer.Kind + i;
                if (run.Count == 1)
                {
                    foreach (var l in run.Layer.Render(name + "_")) s.Append(l).Append('\n');
                    continue;
                }
                s.Append("repeat ").Append(Count(run.Count)).Append(" as ").Append(name).Append(" {\n");
                foreach (var l in run.Layer.Render("")) s.Append(l).Append('\n');
                s.Append("}\n");
            }
            s.Append("}\n");
        }
    }

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
