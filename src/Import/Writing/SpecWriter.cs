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
        ("std/ssm", new[] { "gated_deltanet", "mamba2", "mamba" }),
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
        var plan = LayerPlan.Of(m.Layers);
        var used = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            var n = name;
            for (int i = 2; !used.Add(n); i++) n = name + "_" + i;
            return n;
        }
        bool single = plan.Count == 1 && plan[0].Single is not null;
        var layersParam = m.Params.FirstOrDefault(p => p.Name == "layers");
        foreach (var repeat in plan)
        {
            if (repeat.Single is { } layer)
            {
                // A param that holds the count names it, as the samples write it (repeat dense_layers as dense_layers).
                var named = m.Params.FirstOrDefault(p => p.Name == layer.Kind + "_layers" && p.Value == Count(repeat.Count)).Name;
                var count = single && layersParam.Value == Count(repeat.Count) ? "layers" : named ?? Count(repeat.Count);
                s.Append("repeat ").Append(count).Append(" as ").Append(Unique(single ? "layers" : layer.Kind + "_layers")).Append(" {\n");
                foreach (var l in layer.Render("")) s.Append(l).Append('\n');
                s.Append("}\n");
                continue;
            }
            s.Append("# Layers repeat in groups of ").Append(LayerPlan.Size(repeat.Body)).Append(": ").Append(LayerPlan.Describe(repeat.Body)).Append(".\n");
            s.Append("repeat ").Append(Count(repeat.Count)).Append(" as ").Append(Unique("layers")).Append(" {\n");
            WriteBody(s, repeat.Body);
            s.Append("}\n");
        }
    }

    /// <summary>A repeat's body: a layer in it is written with its kind as the prefix of its call names (a second layer of
    /// the same kind in the body gets kind2_), a run of one kind as a nested repeat named by the kind, a nested group as
    /// a repeat named group.</summary>
    private static void WriteBody(StringBuilder s, IReadOnlyList<PlanNode> body)
    {
        var inner = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            var n = name;
            for (int i = 2; !inner.Add(n); i++) n = name + i;
            return n;
        }
        foreach (var node in body)
        {
            switch (node)
            {
                case LayerNode l:
                    foreach (var line in l.Layer.Render(Unique(l.Layer.Kind) + "_")) s.Append(line).Append('\n');
                    break;
                case RepeatNode { Single: { } layer } r:
                    s.Append("repeat ").Append(Count(r.Count)).Append(" as ").Append(Unique(layer.Kind)).Append(" {\n");
                    foreach (var line in layer.Render("")) s.Append(line).Append('\n');
                    s.Append("}\n");
                    break;
                case RepeatNode r:
                    s.Append("repeat ").Append(Count(r.Count)).Append(" as ").Append(Unique("group")).Append(" {\n");
                    WriteBody(s, r.Body);
                    s.Append("}\n");
                    break;
            }
        }
    }

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
