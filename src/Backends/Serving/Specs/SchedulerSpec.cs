using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

public enum SchedulerKind { Static, Continuous, Chunked, Disaggregated, Colocated }

/// <summary>
/// The engine's scheduler (<c>--scheduler</c>), written like a pass with options:
/// <c>static{max_batch=N}</c>, <c>continuous{max_batch=N,max_tokens=T}</c>, <c>chunked{budget=T,max_batch=N}</c>,
/// <c>disagg{prefill=LAYOUT,decode=LAYOUT,max_batch=N,max_tokens=T}</c> (<see cref="InstanceLayout"/>) and
/// <c>colocated{prefill_share=S,max_batch=N,max_tokens=T}</c> (docs/serving.md). Unset options are null and take their
/// defaults in <see cref="Scheduling.SchedulerFactory"/>, where the efficiency profile is known.
/// </summary>
public sealed record SchedulerSpec(SchedulerKind Kind, long? MaxBatch, long? MaxTokens, long? Budget)
{
    /// <summary>Disaggregated serving: the prefill instances and the decode instances.</summary>
    public InstanceLayout? Prefill { get; init; }
    public InstanceLayout? Decode { get; init; }

    /// <summary>Prefix caching (<c>prefix_caching=on</c>; off by default, as vLLM's <c>--enable-prefix-caching</c> flag):
    /// requests sharing a trace's prefix id reuse its cached KV blocks (<see cref="Engine.PrefixCache"/>). One engine's
    /// schedulers only (static, continuous, chunked).</summary>
    public bool? PrefixCaching { get; init; }

    /// <summary>Co-located serving: the share of the compute units the prefill stream runs on, strictly between 0 and 1.</summary>
    public double? PrefillShare { get; init; }

    /// <summary><c>disagg{prefill=...,decode=...}</c> built in code (the planner's candidates).</summary>
    public static SchedulerSpec Disaggregated(InstanceLayout prefill, InstanceLayout decode, long? maxBatch = null, long? maxTokens = null) =>
        new(SchedulerKind.Disaggregated, maxBatch, maxTokens, null) { Prefill = prefill, Decode = decode };

    /// <summary><c>colocated{prefill_share=S}</c> built in code.</summary>
    public static SchedulerSpec Colocated(double prefillShare, long? maxBatch = null, long? maxTokens = null) =>
        new(SchedulerKind.Colocated, maxBatch, maxTokens, null) { PrefillShare = prefillShare };

    public const string SourceName = "<scheduler>";

    /// <summary>The most sequences or tokens one step may hold (far beyond any engine's limits).</summary>
    public const long MaxLimit = 1 << 24;

    private static readonly Dictionary<string, (SchedulerKind Kind, string[] Options)> Known = new()
    {
        ["static"] = (SchedulerKind.Static, new[] { "max_batch", "prefix_caching" }),
        ["continuous"] = (SchedulerKind.Continuous, new[] { "max_batch", "max_tokens", "prefix_caching" }),
        ["chunked"] = (SchedulerKind.Chunked, new[] { "budget", "max_batch", "prefix_caching" }),
        ["disagg"] = (SchedulerKind.Disaggregated, new[] { "prefill", "decode", "max_batch", "max_tokens" }),
        ["colocated"] = (SchedulerKind.Colocated, new[] { "prefill_share", "max_batch", "max_tokens" }),
    };

    public override string ToString()
    {
        var options = new List<string>();
        if (Prefill is { } p) options.Add($"prefill={p}");
        if (Decode is { } d) options.Add($"decode={d}");
        if (PrefillShare is { } share) options.Add($"prefill_share={share.ToString("R", CultureInfo.InvariantCulture)}");
        if (MaxBatch is { } b) options.Add($"max_batch={I(b)}");
        if (MaxTokens is { } t) options.Add($"max_tokens={I(t)}");
        if (Budget is { } g) options.Add($"budget={I(g)}");
        if (PrefixCaching is { } pc) options.Add($"prefix_caching={(pc ? "on" : "off")}");
        var name = Known.First(k => k.Value.Kind == Kind).Key;
        return options.Count == 0 ? name : $"{name}{{{string.Join(",", options)}}}";
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a --scheduler value; null after reporting the first problem at its column (GD0631).</summary>
    public static SchedulerSpec? Parse(string text, DiagnosticBag diagnostics)
    {
        var r = new SpecReader(text, SourceName, DiagnosticCatalog.InvalidScheduler, diagnostics);
        var name = r.Name();
        if (!Known.TryGetValue(name, out var known))
        {
            var label = name.Length > 0 ? name : text;
            r.Error(0, System.Math.Max(1, name.Length), $"unknown scheduler '{label}'; known: {string.Join(", ", Known.Keys)}{GraphDsl.Ir.Suggest.DidYouMean(label, Known.Keys)}");
            return null;
        }
        var values = new Dictionary<string, long>();
        var layouts = new Dictionary<string, InstanceLayout>();
        double? share = null;
        bool? prefixCaching = null;
        if (r.Accept('{'))
        {
            while (!r.Accept('}'))
            {
                if (values.Count + layouts.Count + (share is null ? 0 : 1) + (prefixCaching is null ? 0 : 1) > 0 && !r.Expect(',', "between options")) return null;
                int at = r.Position;
                var key = r.Name();
                if (!known.Options.Contains(key))
                {
                    r.Error(at, System.Math.Max(1, key.Length), $"{name} has no option '{key}'; its options: {string.Join(", ", known.Options)}");
                    return null;
                }
                if (values.ContainsKey(key) || layouts.ContainsKey(key) || (key == "prefill_share" && share is not null) || (key == "prefix_caching" && prefixCaching is not null))
                { r.Error(at, key.Length, $"{name}: '{key}' is given twice"); return null; }
                if (!r.Expect('=', $"after '{key}'")) return null;
                if (key is "prefill" or "decode")
                {
                    if (InstanceLayout.Read(r, key) is not { } layout) return null;
                    layouts[key] = layout;
                }
                else if (key == "prefix_caching")
                {
                    int valueAt = r.Position;
                    var word = r.Name();
                    if (word is not ("on" or "off")) { r.Error(valueAt, System.Math.Max(1, word.Length), $"prefix_caching is on or off, found '{(word.Length > 0 ? word : r.Peek.ToString())}'"); return null; }
                    prefixCaching = word == "on";
                }
                else if (key == "prefill_share")
                {
                    if (ReadShare(r) is not { } s) return null;
                    share = s;
                }
                else if (r.Integer(key, 1, MaxLimit) is { } v) values[key] = v;
                else return null;
                if (r.AtEnd) { r.Error(text.Length, 1, $"expected '}}' to close {name}'s options"); return null; }
            }
        }
        if (!r.ExpectEnd()) return null;
        long? Get(string k) => values.TryGetValue(k, out var v) ? v : null;
        var spec = new SchedulerSpec(known.Kind, Get("max_batch"), Get("max_tokens"), Get("budget"))
        {
            Prefill = layouts.GetValueOrDefault("prefill"), Decode = layouts.GetValueOrDefault("decode"), PrefillShare = share, PrefixCaching = prefixCaching,
        };
        foreach (var required in known.Kind switch
        {
            SchedulerKind.Disaggregated => new[] { "prefill", "decode" },
            SchedulerKind.Colocated => new[] { "prefill_share" },
            _ => System.Array.Empty<string>(),
        })
        {
            if (layouts.ContainsKey(required) || (required == "prefill_share" && share is not null)) continue;
            r.Error(0, text.Length, $"{name} needs {required}=...; e.g. {(known.Kind == SchedulerKind.Colocated ? "colocated{prefill_share=0.5}" : "disagg{prefill=tp4x1,decode=tp4x1}")}");
            return null;
        }
        if (spec.Kind == SchedulerKind.Chunked && spec.Budget is { } budget && spec.MaxBatch is { } mb && mb > budget)
        {
            r.Error(0, text.Length, $"chunked: max_batch={mb} is more than budget={budget}; every running sequence decodes one token per step within the budget");
            return null;
        }
        return spec;
    }

    /// <summary>The smallest share of the compute either co-located stream may have. CU masking splits a GPU by whole
    /// compute units (one of an H100's 132 SMs is 0.0076 of it, one of an MI300X's 304 CUs 0.0033), and a stream on a
    /// share s runs its compute 1/s times slower: at 1e-20 a prompt took 10^22 ms, its tokens' gaps vanished in the float
    /// sum (TPOT 0.00 ms) and the percentiles overflowed.</summary>
    public const double MinShare = 0.001;

    /// <summary>A prefill share strictly between 0 and 1 (GD0642): at 0 no prompt would ever be prefilled, at 1 no token
    /// decoded; and leaving each stream at least <see cref="MinShare"/> of the compute.</summary>
    private static double? ReadShare(SpecReader r)
    {
        int at = r.Position;
        if (r.Number("colocated: prefill_share", 0, 1, minInclusive: true, DiagnosticCatalog.InvalidPrefillShare) is not { } s) return null;
        var found = r.Text[at..r.Position];
        if (s >= MinShare && s <= 1 - MinShare) return s;
        r.Error(at, r.Position - at, s is > 0 and < 1
            ? $"colocated: prefill_share {found} leaves the {(s < MinShare ? "prefill" : "decode")} stream less than {N(MinShare)} of the compute, "
              + $"finer than CU masking splits a GPU (one of an H100's 132 SMs is 0.0076); give {N(MinShare)} to {N(1 - MinShare)}"
            : $"colocated: prefill_share must be above 0 and below 1, found '{found}': "
              + (s == 0 ? "at 0 the prefill stream has no compute and no prompt is ever prefilled" : "at 1 the decode stream has no compute and no token is ever decoded")
              + "; for one stream alone use continuous or chunked", DiagnosticCatalog.InvalidPrefillShare);
        return null;
    }

    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
