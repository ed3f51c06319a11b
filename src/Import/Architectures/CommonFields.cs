using System;
using System.Collections.Generic;
using GraphDsl.Import.Config;
using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>The config fields every family shares: the dtype, the activation, RoPE scaling, and the fields that never
/// change the computation.</summary>
public static class CommonFields
{
    /// <summary>Fields of any config that only concern tokens, training, caching or metadata.</summary>
    public static readonly string[] Neutral =
    {
        "architectures", "model_type", "transformers_version", "_name_or_path", "auto_map", "bos_token_id", "eos_token_id",
        "pad_token_id", "initializer_range", "use_cache", "attention_dropout", "hidden_dropout", "embd_pdrop", "resid_pdrop",
        "attn_pdrop", "emb_pdrop", "max_position_embeddings", "output_router_logits", "router_aux_loss_coef", "router_jitter_noise",
        "pretraining_tp", "ep_size", "aux_loss_alpha", "seq_aux", "use_flash_attn", "_attn_implementation", "tokenizer_class",
        "unsloth_fixed", "is_causal", "dropout", "initializer_factor", "use_return_dict", "return_dict",
    };

    /// <summary>torch_dtype as the spec's dtype (the unquantized format of the weights; bf16 when absent).</summary>
    public static string DType(HfConfig c)
    {
        var t = c.OptString("torch_dtype") ?? c.OptString("dtype");
        return t switch
        {
            null or "bfloat16" => "bf16",
            "float16" => "f16",
            "float32" => "f32",
            _ => throw c.Unsupported(c.Has("torch_dtype") ? "torch_dtype" : "dtype", $"is \"{t}\", not bfloat16, float16 or float32"),
        };
    }

    /// <summary>A RoPE base (rope_theta; Gemma's rope_local_base_freq), or null when the config leaves it out. The
    /// frequencies are base^(-2i/d), so the base must be positive: a negative one was written into the spec as it was.</summary>
    public static double? RopeBase(HfConfig c, string field)
    {
        var theta = c.OptFloat(field);
        if (theta is <= 0) throw c.Unsupported(field, $"is {HfConfig.Number(theta.Value)}; a RoPE base must be positive");
        return theta;
    }

    /// <summary>An activation name of hidden_act as the language's (docs/language.md, activation names).</summary>
    public static string Activation(HfConfig c, string field, string fallback = "silu")
    {
        var a = c.OptString(field) ?? fallback;
        return a switch
        {
            "silu" or "swish" => "silu",
            "gelu" => "gelu",
            "gelu_pytorch_tanh" or "gelu_new" or "gelu_tanh" or "gelu_fast" => "gelu_tanh",
            "relu" => "relu",
            "relu2" => "relu2",
            _ => throw c.Unsupported(field, $"is \"{a}\", an activation the language does not have (known: silu, gelu, gelu_pytorch_tanh, relu, relu2)"),
        };
    }

    /// <summary>
    /// rope_scaling as the attention block's <c>rope_scaling</c>/<c>rope_factor</c> arguments (", rope_scaling: ..."),
    /// or "" without scaling. The IR carries the type and the factor only: Llama 3's band constants are the reference
    /// interpreter's (1, 4, 8192), so other values are a gap, as are YaRN's extra parameters and the types the IR lacks.
    /// </summary>
    public static string RopeScaling(ImportContext ctx, HfConfig c)
    {
        var r = c.OptObject("rope_scaling");
        if (r is null) return "";
        var type = r.OptString("rope_type") ?? r.OptString("type");
        r.Understood(new List<string>(r.Fields()).ToArray());
        double factor = r.FloatOr("factor", 1.0);
        switch (type)
        {
            case "default":
                return "";
            case "linear":
                return $", rope_scaling: \"linear\", rope_factor: {SpecText.Float(factor)}";
            case "llama3":
            {
                double low = r.FloatOr("low_freq_factor", 1), high = r.FloatOr("high_freq_factor", 4);
                long original = r.IntOr("original_max_position_embeddings", 8192);
                if (low != 1 || high != 4 || original != 8192)
                    ctx.Gap(c, "rope_scaling", $"llama3 scaling with low_freq_factor {SpecText.Float(low)}, high_freq_factor {SpecText.Float(high)} and original context {original}: the IR's llama3 scaling has Llama 3.1's 1, 4 and 8192");
                return $", rope_scaling: \"llama3\", rope_factor: {SpecText.Float(factor)}";
            }
            case "yarn":
                ctx.Gap(c, "rope_scaling", "YaRN's original context, beta_fast/beta_slow and attention temperature (mscale) are not in the IR, only its type and factor (parameters, FLOPs and KV bytes are exact)");
                return $", rope_scaling: \"yarn\", rope_factor: {SpecText.Float(factor)}";
            case "dynamic" or "longrope" or "su" or "ntk":
                ctx.Gap(c, "rope_scaling", $"{type} RoPE scaling has no form in the IR (nn.rope scales none, linear, yarn, llama3); written without scaling (parameters, FLOPs and KV bytes are exact)");
                return "";
            default:
                throw r.Unsupported(r.Has("rope_type") ? "rope_type" : "type", $"is \"{type}\", a RoPE scaling the importer does not know");
        }
    }
}
