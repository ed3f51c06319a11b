using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

public enum SchedulerKind { Static, Continuous, Chunked }

/// <summary>
/// The engine's scheduler (<c>--scheduler</c>), written like a pass with options:
/// <c>static{max_batch=N}</c>, <c>continuous{max_batch=N,max_tokens=T}</c>, <c>chunked{budget=T,max_batch=N}</c>
/// (docs/serving.md). Unset options are null and take their defaults in <see cref="Scheduling.SchedulerFactory"/>,
/// where the efficiency profile is known.
/// </summary>
public sealed record SchedulerSpec(SchedulerKind Kind, long? MaxBatch, long? MaxTokens, long? Budget)
{
    public const string SourceName = "<scheduler>";

    /// <summary>The most sequences or tokens one step may hold (far beyond any engine's limits).</summary>
    public const long MaxLimit = 1 << 24;

    private static readonly Dictionary<string, (SchedulerKind Kind, string[] Options)> Known = new()
    {
        ["static"] = (SchedulerKind.Static, new[] { "max_batch" }),
        ["continuous"] = (SchedulerKind.Continuous, new[] { "max_batch", "max_tokens" }),
        ["chunked"] = (SchedulerKind.Chunked, new[] { "budget", "max_batch" }),
    };

    public override string ToString()
    {
        var options = new List<string>();
        if (MaxBatch is { } b) options.Add($"max_batch={I(b)}");
        if (MaxTokens is { } t) options.Add($"max_tokens={I(t)}");
        if (Budget is { } g) options.Add($"budget={I(g)}");
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
            r.Error(0, System.Math.Max(1, name.Length), $"unknown scheduler '{label}'; known: {string.Join(", ", Known.Keys)}{GraphDsl.Ir.Suggest.DidYouMean(label, Known.Keys)} (disaggregated and co-located schedulers are not simulated yet)");
            return null;
        }
        var values = new Dictionary<string, long>();
        if (r.Accept('{'))
        {
            while (!r.Accept('}'))
            {
                if (values.Count > 0 && !r.Expect(',', "between options")) return null;
                int at = r.Position;
                var key = r.Name();
                if (!known.Options.Contains(key))
                {
                    r.Error(at, System.Math.Max(1, key.Length), $"{name} has no option '{key}'; its options: {string.Join(", ", known.Options)}");
                    return null;
                }
                if (values.ContainsKey(key)) { r.Error(at, key.Length, $"{name}: '{key}' is given twice"); return null; }
                if (!r.Expect('=', $"after '{key}'")) return null;
                if (r.Integer(key, 1, MaxLimit) is not { } v) return null;
                values[key] = v;
                if (r.AtEnd) { r.Error(text.Length, 1, $"expected '}}' to close {name}'s options"); return null; }
            }
        }
        if (!r.ExpectEnd()) return null;
        long? Get(string k) => values.TryGetValue(k, out var v) ? v : null;
        var spec = new SchedulerSpec(known.Kind, Get("max_batch"), Get("max_tokens"), Get("budget"));
        if (spec.Kind == SchedulerKind.Chunked && spec.Budget is { } budget && spec.MaxBatch is { } mb && mb > budget)
        {
            r.Error(0, text.Length, $"chunked: max_batch={mb} is more than budget={budget}; every running sequence decodes one token per step within the budget");
            return null;
        }
        return spec;
    }
}
