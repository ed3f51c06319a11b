using System.Linq;
using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>
/// AI21's Jamba: Mamba (Mamba-1, with RMSNorms on dt, B and C) layers with an attention layer (no RoPE) every
/// attn_layer_period from attn_layer_offset, and an MoE FFN (softmax top-k, weights not renormalized) every
/// expert_layer_period from expert_layer_offset, a gated FFN elsewhere.
/// </summary>
public sealed class JambaArchitecture : IArchitecture
{
    public string[] Names { get; } = { "JambaForCausalLM" };

    public SpecDocument Map(ImportContext ctx)
    {
        var c = ctx.Config;
        c.Ignore(CommonFields.Neutral);
        c.Ignore("use_mamba_kernels", "num_logits_to_keep");
        var m = new ModelSpec(ctx.ModelName) { DType = CommonFields.DType(c) };
        long layers = c.Count("num_hidden_layers", LayerPlan.MaxLayers), d = c.Int("hidden_size"), heads = c.Int("num_attention_heads");
        long attnPeriod = c.IntOr("attn_layer_period", 8), attnOffset = c.IntOr("attn_layer_offset", 4);
        long expertPeriod = c.IntOr("expert_layer_period", 2), expertOffset = c.IntOr("expert_layer_offset", 1);
        if (attnPeriod < 1) throw c.Unsupported("attn_layer_period", $"is {attnPeriod}; it must be at least 1");
        if (expertPeriod < 1) throw c.Unsupported("expert_layer_period", $"is {expertPeriod}; it must be at least 1");
        long experts = c.IntOr("num_experts", 16);
        if (c.Has("sliding_window")) throw c.Unsupported("sliding_window", "is set; Jamba's attention layers are full in every released config");
        c.Understood("sliding_window");
        if (c.BoolOr("mamba_proj_bias", false)) throw c.Unsupported("mamba_proj_bias", "is true; Jamba's Mamba projections have no bias in every released config");
        if (c.BoolOr("tie_word_embeddings", false)) throw c.Unsupported("tie_word_embeddings", "is true; Jamba's head is untied in every released config");
        var act = CommonFields.Activation(c, "hidden_act");
        long expand = c.IntOr("mamba_expand", 2), state = c.IntOr("mamba_d_state", 16), conv = c.IntOr("mamba_d_conv", 4);
        long dtRank = c.OptInt("mamba_dt_rank") ?? (d + 15) / 16; // transformers: math.ceil(hidden_size / 16)
        m.Param("vocab", c.Int("vocab_size")).Param("d", d).Param("layers", layers).Param("heads", heads)
            .Param("kv_heads", c.IntOr("num_key_value_heads", heads)).Param("head_dim", d / heads)
            .Param("inner", expand * d).Param("state", state).Param("dt_rank", dtRank).Param("ffn_hidden", c.Int("intermediate_size"));
        if (experts > 1) m.Param("experts", experts).Param("top_k", c.Int("num_experts_per_tok"));
        m.Param("eps", c.FloatOr("rms_norm_eps", 1e-6));
        bool convBias = c.BoolOr("mamba_conv_bias", true);
        var actArg = act == "silu" ? "" : $", act: \"{act}\"";

        string mixerNorm = "rmsnorm(x, eps: eps, name: \"{p}input_layernorm\")", ffnNorm = "rmsnorm(x, eps: eps, name: \"{p}pre_ff_layernorm\")";
        string mamba = $"x = x + mamba({mixerNorm}, inner: inner, state: state, dt_rank: dt_rank{(conv != 4 ? $", conv: {conv}" : "")}" +
            $"{(convBias ? "" : ", conv_bias: false")}, inner_norms: true, eps: eps, name: \"{{p}}mamba\")";
        string attention = $"x = x + attention({mixerNorm}, heads: heads, kv_heads: kv_heads, head_dim: head_dim, rope: false, name: \"{{p}}self_attn\")";
        string moe = $"x = x + moe({ffnNorm}, experts: experts, top_k: top_k, hidden: ffn_hidden, norm_topk: false{actArg}, name: \"{{p}}feed_forward\")";
        string dense = $"x = x + gated_ffn({ffnNorm}, ffn_hidden{actArg}, name: \"{{p}}feed_forward\")";
        for (long i = 0; i < layers; i++)
        {
            bool attn = i % attnPeriod == attnOffset, expert = experts > 1 && i % expertPeriod == expertOffset;
            m.Layers.Add(new Layer((attn ? "attention" : "mamba") + (expert ? "_moe" : ""), new[] { attn ? attention : mamba, expert ? moe : dense }));
        }
        m.Prologue.Add("input tokens: i32[batch, seq]");
        m.Prologue.Add("let x = embedding(tokens, vocab, d, name: \"embed_tokens\")");
        m.Epilogue.Add("output logits = lm_head(rmsnorm(x, eps: eps, name: \"final_layernorm\"), vocab)");
        var doc = new SpecDocument(m);
        doc.Header.Add("Jamba hybrid (Mamba and attention layers, MoE every other layer), written by graphdsl import hf.");
        return doc;
    }
}
