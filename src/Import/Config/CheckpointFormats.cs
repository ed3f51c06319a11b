using System.Collections.Generic;
using System.Linq;
using GraphDsl.Import.Json;

namespace GraphDsl.Import.Config;

/// <summary>
/// The checkpoint's number formats, from <c>quantization_config</c> in config.json (fp8 blocks, mxfp4, compressed
/// tensors, ...) and NVIDIA ModelOpt's <c>hf_quant_config.json</c> beside it. A spec's <c>dtype</c> applies to every
/// weight of the blocks it precedes (norms and embeddings included), while these formats cover the projection and
/// expert matrices only, which is what <c>quantize{weights=...}</c> stores in a format; so they are written as a
/// comment with the matching <c>--weights</c> / <c>--kv</c> flags, and only the unquantized dtype (torch_dtype) as
/// the spec's dtype.
/// </summary>
public sealed class CheckpointFormats
{
    public List<string> Lines { get; } = new();

    /// <summary>Reads <c>quantization_config</c>: the method and the fields that say the format, as written.</summary>
    public void ReadQuantizationConfig(HfConfig? q)
    {
        if (q is null) return;
        // Every field of quantization_config describes storage, not the computation: none is refused.
        var method = q.OptString("quant_method") ?? "unknown";
        var details = new List<string>();
        foreach (var key in new[] { "fmt", "bits", "group_size", "weight_block_size", "activation_scheme", "format" })
            if (q.Find(key) is { } m && m.Value is not JsonNull) details.Add($"{key} {Describe(m.Value)}");
        q.Understood(q.Fields().ToArray());
        Lines.Add($"config.json quantization_config: {method}" + (details.Count > 0 ? " (" + string.Join(", ", details) + ")" : "")
            + Flag(method, q.OptString("fmt")));
    }

    /// <summary>Reads hf_quant_config.json (ModelOpt): quantization.quant_algo and kv_cache_quant_algo.</summary>
    public void ReadModelOpt(HfConfig file)
    {
        var q = file.OptObject("quantization");
        file.Understood(file.Fields().ToArray());
        if (q is null) return;
        var algo = q.OptString("quant_algo");
        var kv = q.OptString("kv_cache_quant_algo");
        q.Understood(q.Fields().ToArray());
        var flags = new List<string>();
        if (algo is not null && WeightsFlag(algo) is { } w) flags.Add("--weights " + w);
        if (kv is not null && kv.ToUpperInvariant().Contains("FP8")) flags.Add("--kv fp8");
        Lines.Add($"hf_quant_config.json: quant_algo {algo ?? "none"}, kv_cache_quant_algo {kv ?? "none"}"
            + (flags.Count > 0 ? $" (graphdsl: {string.Join(" ", flags)})" : ""));
    }

    private static string Flag(string method, string? fmt) => WeightsFlag(method + " " + (fmt ?? "")) is { } w ? $" (graphdsl: --weights {w})" : "";

    /// <summary>The <c>--weights</c> value for a format name, when one matches.</summary>
    public static string? WeightsFlag(string text)
    {
        var t = text.ToLowerInvariant();
        if (t.Contains("nvfp4")) return "nvfp4";
        if (t.Contains("mxfp4")) return "mxfp4";
        if (t.Contains("fp8")) return "fp8";
        if (t.Contains("int4") || t.Contains("awq") || t.Contains("gptq")) return "int4";
        return null;
    }

    private static string Describe(JsonNode v) => v switch
    {
        JsonString s => s.Value,
        JsonNumber n => n.Text,
        JsonBool b => b.Value ? "true" : "false",
        JsonArray a => "[" + string.Join(", ", a.Items.Select(Describe)) + "]",
        _ => "{...}",
    };
}
