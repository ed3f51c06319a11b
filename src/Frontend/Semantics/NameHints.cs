using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Frontend.Syntax;

namespace GraphDsl.Frontend.Semantics;

/// <summary>
/// Hints for two mistakes of someone coming from Hugging Face configs: calling a standard-library block without its
/// import (<c>gated_ffn</c> without <c>import "std/ffn"</c>), and naming a block argument as the config does
/// (<c>num_key_value_heads</c> for <c>kv_heads</c>).
/// </summary>
internal static class NameHints
{
    /// <summary>Config names and the language's names for them (docs/language.md, standard library; docs/import.md).</summary>
    private static readonly Dictionary<string, string> HfNames = new(StringComparer.Ordinal)
    {
        ["num_attention_heads"] = "heads", ["num_heads"] = "heads", ["n_heads"] = "heads",
        ["num_key_value_heads"] = "kv_heads", ["num_kv_heads"] = "kv_heads", ["kv_n_heads"] = "kv_heads",
        ["intermediate_size"] = "hidden", ["ffn_hidden_size"] = "hidden", ["moe_intermediate_size"] = "hidden",
        ["shared_expert_intermediate_size"] = "shared_hidden", ["n_shared_experts"] = "shared",
        ["num_experts"] = "experts", ["num_local_experts"] = "experts", ["n_routed_experts"] = "experts",
        ["num_experts_per_tok"] = "top_k", ["experts_per_token"] = "top_k", ["moe_top_k"] = "top_k",
        ["q_lora_rank"] = "q_rank", ["kv_lora_rank"] = "kv_rank", ["qk_nope_head_dim"] = "nope_dim",
        ["qk_rope_head_dim"] = "rope_dim", ["v_head_dim"] = "v_dim", ["rope_theta"] = "theta",
        ["rms_norm_eps"] = "eps", ["layer_norm_eps"] = "eps", ["sliding_window"] = "window", ["hidden_act"] = "act",
        ["routed_scaling_factor"] = "route_scale", ["n_group"] = "groups", ["topk_group"] = "topk_groups",
        ["norm_topk_prob"] = "norm_topk", ["scoring_func"] = "scoring", ["attention_bias"] = "bias",
        ["vocab_size"] = "vocab", ["hidden_size"] = "dim",
    };

    /// <summary>"; did you mean 'kv_heads'? (the config's num_key_value_heads)" when <paramref name="name"/> is a config
    /// name whose language name is a parameter of the block; null otherwise.</summary>
    public static string? ConfigName(string name, IEnumerable<string> parameters) =>
        HfNames.TryGetValue(name, out var ours) && parameters.Contains(ours) ? $"; did you mean '{ours}'? ('{name}' is the Hugging Face config's name)" : null;

    /// <summary>"; it is in the standard library: add import \"std/ffn\"" when a standard-library module declares the
    /// block; null otherwise.</summary>
    public static string? MissingImport(string block)
    {
        foreach (var module in StandardLibrary.Modules.OrderBy(m => m, StringComparer.Ordinal))
        {
            var source = StandardLibrary.Load(module);
            if (source is not null && System.Text.RegularExpressions.Regex.IsMatch(source.Text, @"(?m)^block " + block + @"\("))
                return $"; '{block}' is a block of the standard library: add import \"{module}\"";
        }
        return null;
    }
}
