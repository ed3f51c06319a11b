using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Backends.Serving.Specs;

/// <summary>Latency targets a request must meet to count toward goodput (<c>--slo ttft=MS,tpot=MS</c>, either or both), as
/// vLLM's benchmark_serving <c>--goodput ttft:MS tpot:MS</c>.</summary>
public sealed record SloSpec(double? TtftMs, double? TpotMs)
{
    public const string SourceName = "<slo>";

    /// <summary>Whether a request with these latencies meets every target given.</summary>
    public bool Met(double ttftMs, double tpotMs) => (TtftMs is not { } t || ttftMs <= t) && (TpotMs is not { } p || tpotMs <= p);

    /// <summary>Parses a --slo value; null after reporting the first problem at its column (GD0632).</summary>
    public static SloSpec? Parse(string text, DiagnosticBag diagnostics)
    {
        var r = new SpecReader(text, SourceName, DiagnosticCatalog.InvalidSlo, diagnostics);
        var values = new Dictionary<string, double>();
        do
        {
            int at = r.Position;
            var key = r.Name();
            if (key is not ("ttft" or "tpot"))
            {
                r.Error(at, System.Math.Max(1, key.Length), $"--slo has no target '{(key.Length > 0 ? key : text[at..])}'; its targets: ttft=MS, tpot=MS");
                return null;
            }
            if (values.ContainsKey(key)) { r.Error(at, key.Length, $"--slo: '{key}' is given twice"); return null; }
            if (!r.Expect('=', $"after '{key}'")) return null;
            if (r.Number($"{key} (milliseconds)", 0, 1e9) is not { } v) return null;
            values[key] = v;
        } while (r.Accept(','));
        if (!r.ExpectEnd()) return null;
        return new SloSpec(values.TryGetValue("ttft", out var t) ? t : null, values.TryGetValue("tpot", out var p) ? p : null);
    }
}
