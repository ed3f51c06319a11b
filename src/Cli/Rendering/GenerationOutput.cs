using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Cli.Execution;

namespace GraphDsl.Cli.Rendering;

/// <summary>What <c>graphdsl run</c> generated, as text or JSON.</summary>
internal static class GenerationOutput
{
    private static string Ints(IEnumerable<int> xs) => string.Join(" ", xs.Select(x => x.ToString(CultureInfo.InvariantCulture)));

    public static string ToText(GenerationOutcome o)
    {
        var s = new System.Text.StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"model {o.Model} on {o.Device}\n");
        s.Append("prompt: ").Append(Ints(o.Prompt)).Append('\n');
        s.Append("tokens: ").Append(Ints(o.Tokens)).Append('\n');
        s.Append(CultureInfo.InvariantCulture, $"{o.TokensPerSecond:F1} tokens/s overall, {o.DecodeTokensPerSecond:F1} tokens/s decode, prefill {o.PrefillMs:F1} ms (kernels compiled in {o.CompileMs:F0} ms)\n");
        if (o.LastStep is { } step)
            s.Append(CultureInfo.InvariantCulture, $"decode step: {step.Instructions} launches, arena {step.Buffers.PeakBytes:N0} bytes for {step.Buffers.TotalBytes:N0} of intermediates, weights {step.WeightBytes:N0} bytes on the device\n");
        if (o.ReferenceTokens is not null)
        {
            s.Append("reference tokens: ").Append(Ints(o.ReferenceTokens)).Append(o.MatchesReference == true ? " (match)" : " (DIFFER)").Append('\n');
            s.Append(CultureInfo.InvariantCulture, $"max |logit difference| along these tokens: {o.MaxAbsLogitDiff:E2}\n");
        }
        return s.ToString();
    }

    public static string ToJson(GenerationOutcome o, string passes) => Json.Write(w =>
    {
        w.WriteString("model", o.Model);
        w.WriteString("device", o.Device);
        w.WriteString("passes", passes);
        Array(w, "prompt_tokens", o.Prompt);
        Array(w, "tokens", o.Tokens);
        w.Number("tokens_per_s", o.TokensPerSecond);
        w.Number("decode_tokens_per_s", o.DecodeTokensPerSecond);
        w.Number("prefill_ms", o.PrefillMs);
        w.Number("compile_ms", o.CompileMs);
        if (o.LastStep is { } step)
        {
            w.Number("launches_per_decode_step", step.Instructions);
            w.Number("arena_bytes", step.Buffers.PeakBytes);
            w.Number("intermediate_bytes", step.Buffers.TotalBytes);
            w.Number("device_weight_bytes", step.WeightBytes);
        }
        if (o.ReferenceTokens is not null)
        {
            Array(w, "reference_tokens", o.ReferenceTokens);
            w.Number("max_abs_logit_diff", o.MaxAbsLogitDiff ?? double.NaN);
            w.WriteBoolean("matches_reference", o.MatchesReference == true);
        }
    });

    private static void Array(System.Text.Json.Utf8JsonWriter w, string name, IEnumerable<int> xs)
    {
        w.WriteStartArray(name);
        foreach (var x in xs) w.WriteNumberValue(x);
        w.WriteEndArray();
    }
}
