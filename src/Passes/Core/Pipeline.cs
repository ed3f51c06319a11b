using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Passes.Core;

/// <summary>One pass of a pipeline with the options written for it.</summary>
public sealed class PipelineElement
{
    public PipelineElement(PassInfo info, IReadOnlyList<KeyValuePair<string, string>> options, int column)
    {
        Info = info; Written = options; Column = column;
        Options = new PassOptions(info, options.ToDictionary(kv => kv.Key, kv => kv.Value));
    }
    public PassInfo Info { get; }
    /// <summary>The options as written, in order (for printing the pipeline back).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Written { get; }
    public PassOptions Options { get; }
    /// <summary>1-based column of the element in the text it was parsed from; 0 for an element built as a value.</summary>
    public int Column { get; }

    /// <summary>An element built as a value (not parsed): the pass by its registered name with the given options,
    /// in order. Throws for an unknown pass or option or an invalid value: a program builds it, not a user.</summary>
    public static PipelineElement Create(string pass, params (string Key, string Value)[] options)
    {
        var info = PassRegistry.Find(pass) ?? throw new ArgumentException($"unknown pass '{pass}'");
        foreach (var (key, value) in options)
        {
            var spec = info.FindOption(key) ?? throw new ArgumentException($"pass '{pass}' has no option '{key}'");
            if (PassOptions.Validate(spec, value) is { } error) throw new ArgumentException($"option '{key}' of pass '{pass}': {error}");
        }
        return new PipelineElement(info, options.Select(o => new KeyValuePair<string, string>(o.Key, o.Value)).ToList(), 0);
    }

    /// <summary>The value written for <paramref name="key"/>, or null when this element does not set it (its default applies).</summary>
    public string? Given(string key)
    {
        foreach (var kv in Written) if (kv.Key == key) return kv.Value;
        return null;
    }

    /// <summary>
    /// One element of the same pass with the options of both, this element's first (so two quantize elements
    /// <c>quantize{weights=fp8}</c> and <c>quantize{activations=fp8}</c> compose to <c>quantize{weights=fp8,activations=fp8}</c>).
    /// Null, with the first key both set to different values in <paramref name="conflict"/>, when they disagree: neither
    /// silently wins. Keeps this element's column (where it was written).
    /// </summary>
    public PipelineElement? ComposeWith(PipelineElement other, out string? conflict)
    {
        if (other.Info != Info) throw new ArgumentException($"cannot compose '{Info.Name}' with '{other.Info.Name}'");
        conflict = null;
        var options = Written.ToList();
        foreach (var kv in other.Written)
        {
            var mine = Given(kv.Key);
            if (mine is null) options.Add(kv);
            else if (!PassOptions.SameValue(Info.FindOption(kv.Key)!, mine, kv.Value)) { conflict = kv.Key; return null; }
        }
        return new PipelineElement(Info, options, Column);
    }

    public override string ToString() =>
        Written.Count == 0 ? Info.Name : Info.Name + "{" + string.Join(",", Written.Select(kv => kv.Key + "=" + kv.Value)) + "}";
}

/// <summary>
/// A textual pass pipeline. Grammar:
/// <code>
///   pipeline ::= element (',' element)*
///   element  ::= pass-name ('{' option (',' option)* '}')?
///   option   ::= key '=' value (',' value-continuation)*     // skip=lm_head,router
/// </code>
/// An item inside braces without '=' continues the previous option's list value. Errors carry the column.
/// </summary>
public sealed class Pipeline
{
    public const string SourceName = "<pipeline>";

    public Pipeline(IReadOnlyList<PipelineElement> elements) { Elements = elements; }
    public IReadOnlyList<PipelineElement> Elements { get; }
    public static readonly Pipeline Empty = new(Array.Empty<PipelineElement>());

    public override string ToString() => string.Join(",", Elements.Select(e => e.ToString()));

    public bool Contains(string pass) => Elements.Any(e => e.Info.Name == pass);

    /// <summary>The elements of one pass, in order.</summary>
    public IEnumerable<PipelineElement> Of(string pass) => Elements.Where(e => e.Info.Name == pass);

    /// <summary>This pipeline, then <paramref name="other"/>'s elements (as parsed: their columns still point into their text).</summary>
    public Pipeline Append(Pipeline other) => new(Elements.Concat(other.Elements).ToList());
    public Pipeline Append(params PipelineElement[] elements) => new(Elements.Concat(elements).ToList());

    /// <summary>
    /// The elements of <paramref name="pass"/> composed into one (<see cref="PipelineElement.ComposeWith"/>), or null
    /// when there is none. Two that set one option to different values are reported (GD0509, at the later one's
    /// column when it was parsed) and give null with <paramref name="ok"/> false.
    /// </summary>
    public PipelineElement? Composed(string pass, DiagnosticBag diagnostics, out bool ok)
    {
        ok = true;
        PipelineElement? result = null;
        foreach (var e in Of(pass))
        {
            if (result is null) { result = e; continue; }
            var composed = result.ComposeWith(e, out var key);
            if (composed is null)
            {
                var span = e.Column > 0 ? SourceSpan.At(SourceName, 1, e.Column, pass.Length, e.Column - 1) : SourceSpan.None;
                diagnostics.Report(DiagnosticCatalog.ConflictingPassElements, span, result.ToString(), e.ToString(), key!);
                ok = false;
                return null;
            }
            result = composed;
        }
        return result;
    }

    /// <summary>Parses <paramref name="text"/>; on error returns null and reports GD05xx diagnostics.</summary>
    public static Pipeline? Parse(string text, DiagnosticBag diagnostics)
    {
        var elements = new List<PipelineElement>();
        int i = 0;
        SourceSpan At(int col, int len = 1) => SourceSpan.At(SourceName, 1, col + 1, len, col);
        bool Fail(DiagnosticDescriptor d, int col, int len, params object[] args) { diagnostics.Report(d, At(col, len), args); return false; }

        void SkipSpace() { while (i < text.Length && char.IsWhiteSpace(text[i])) i++; }
        string Word()
        {
            int s = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '-' or '_' or '.' or ':')) i++;
            return text.Substring(s, i - s);
        }

        SkipSpace();
        if (i >= text.Length) return Empty;
        while (true)
        {
            SkipSpace();
            int start = i;
            var name = Word();
            if (name.Length == 0)
            {
                Fail(DiagnosticCatalog.PipelineSyntax, start, 1, i < text.Length ? $"expected a pass name at '{text[i]}'" : "expected a pass name after ','");
                return null;
            }
            var info = PassRegistry.Find(name);
            if (info is null)
            {
                Fail(DiagnosticCatalog.UnknownPass, start, name.Length, name, GraphDsl.Ir.Suggest.DidYouMean(name, PassRegistry.Names),
                    string.Join(", ", PassRegistry.Names));
                return null;
            }
            // Values as builders: a list option continued item by item stays linear in its length.
            var written = new List<(string Key, StringBuilder Value)>();
            var options = new List<KeyValuePair<string, string>>();
            SkipSpace();
            if (i < text.Length && text[i] == '{')
            {
                int open = i;
                i++;
                while (true)
                {
                    SkipSpace();
                    if (i < text.Length && text[i] == '}' && written.Count == 0) { i++; break; }
                    int ks = i;
                    var key = Word();
                    SkipSpace();
                    if (i < text.Length && text[i] == '=')
                    {
                        i++;
                        SkipSpace();
                        int vs = i;
                        var value = Value();
                        if (key.Length == 0) { Fail(DiagnosticCatalog.PipelineSyntax, ks, 1, "expected an option name before '='"); return null; }
                        var spec = info.FindOption(key);
                        if (spec is null)
                        {
                            Fail(DiagnosticCatalog.UnknownPassOption, ks, key.Length, name, key,
                                info.Options.Count == 0 ? "(none)" : string.Join(", ", info.Options.Select(o => o.Name)));
                            return null;
                        }
                        if (written.Any(o => o.Key == key)) { Fail(DiagnosticCatalog.PipelineSyntax, ks, key.Length, $"option '{key}' is given twice"); return null; }
                        written.Add((key, new StringBuilder(value)));
                    }
                    else if (key.Length > 0 && written.Count > 0 && info.FindOption(written[^1].Key)?.Kind == OptionKind.StringList)
                        written[^1].Value.Append(',').Append(key);
                    else
                    {
                        if (key.Length == 0 && i >= text.Length) Fail(DiagnosticCatalog.PipelineSyntax, open, 1, "unbalanced '{': expected '}'");
                        else Fail(DiagnosticCatalog.PipelineSyntax, ks, Math.Max(1, key.Length),
                            key.Length == 0 ? $"expected 'option=value' at '{text[i]}'" : $"expected '=' after '{key}'");
                        return null;
                    }
                    SkipSpace();
                    if (i < text.Length && text[i] == ',') { i++; continue; }
                    if (i < text.Length && text[i] == '}') { i++; break; }
                    Fail(DiagnosticCatalog.PipelineSyntax, i < text.Length ? i : open, 1, i < text.Length ? $"expected ',' or '}}' at '{text[i]}'" : "unbalanced '{': expected '}'");
                    return null;
                }
                options.AddRange(written.Select(o => new KeyValuePair<string, string>(o.Key, o.Value.ToString())));
                foreach (var kv in options)
                {
                    var err = PassOptions.Validate(info.FindOption(kv.Key)!, kv.Value);
                    if (err is not null)
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidPassOption, At(start, name.Length), kv.Key, name, err);
                        return null;
                    }
                }
            }
            elements.Add(new PipelineElement(info, options, start + 1));
            SkipSpace();
            if (i >= text.Length) break;
            if (text[i] == ',') { i++; continue; }
            Fail(DiagnosticCatalog.PipelineSyntax, i, 1, text[i] == '}' ? "unbalanced '}'" : $"expected ',' between passes at '{text[i]}'");
            return null;
        }
        return new Pipeline(elements);

        string Value()
        {
            var sb = new StringBuilder();
            while (i < text.Length && text[i] != ',' && text[i] != '}' && text[i] != '{' && text[i] != '=') sb.Append(text[i++]);
            return sb.ToString().Trim();
        }
    }
}
