using System.Collections.Generic;
using GraphDsl.Import.Config;
using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>
/// DeepSeek-V2 and V3 (and Kimi K2, a DeepseekV3ForCausalLM): multi-head latent attention, first_k_dense_replace dense
/// layers then MoE layers with shared experts and group-limited routing, and the multi-token-prediction module of
/// num_nextn_predict_layers written as a part <c>model NAMEMtp for NAME</c>, exactly as samples/deepseek-v3.moe declares
/// it, so that it never counts in the main model's parameters.
/// </summary>
public sealed class DeepseekArchitecture : IArchitecture
{
    public string[] Names { get; } = { "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM" };

    public SpecDocument Map(ImportContext ctx)
    {
        var c = ctx.Config;
        c.Ignore(CommonFields.Neutral);
        c.Ignore("num_key_value_heads"); // MLA caches one latent per token; the field repeats num_attention_heads.
        var m = new ModelSpec(ctx.ModelName) { DType = CommonFields.DType(c) };
        long layers = c.Count("num_hidden_layers", LayerPlan.MaxLayers), dense = c.IntOr("first_k_dense_replace", 0);
        long freq = c.IntOr("moe_layer_freq", 1);
        if (freq != 1) throw c.Unsupported("moe_layer_freq", $"is {freq}; only 1 (every layer after first_k_dense_replace) is mapped");
        if (!c.Has("q_lora_rank")) throw c.Unsupported("q_lora_rank", "is null (full-rank queries, as in DeepSeek-V2-Lite); std/attention's mla has low-rank queries only");
        if (c.BoolOr("attention_bias", false)) throw c.Unsupported("attention_bias", "is true; mla has no projection biases");
        if (c.BoolOr("tie_word_embeddings", false)) throw c.Unsupported("tie_word_embeddings", "is true; DeepSeek's head is untied in every released config");
        var act = CommonFields.Activation(c, "hidden_act");
        if (act != "silu") throw c.Unsupported("hidden_act", $"is {act}; DeepSeek's experts are SwiGLU");
        m.Param("vocab", c.Int("vocab_size")).Param("d", c.Int("hidden_size")).Param("layers", layers).Param("dense_layers", dense)
            .Param("heads", c.Int("num_attention_heads")).Param("q_rank", c.Int("q_lora_rank")).Param("kv_rank", c.Int("kv_lora_rank"))
            .Param("nope_dim", c.Int("qk_nope_head_dim")).Param("rope_dim", c.Int("qk_rope_head_dim")).Param("v_dim", c.Int("v_head_dim"))
            .Param("dense_hidden", c.Int("intermediate_size")).Param("experts", c.Int("n_routed_experts"))
            .Param("shared_experts", c.IntOr("n_shared_experts", 0)).Param("top_k", c.Int("num_experts_per_tok"))
            .Param("expert_hidden", c.Int("moe_intermediate_size"));
        var routing = Routing(ctx, c, m);
        m.Param("eps", c.FloatOr("rms_norm_eps", 1e-6)).Param("theta", CommonFields.RopeBase(c, "rope_theta") ?? 10000.0);
        var rope = CommonFields.RopeScaling(ctx, c);

        string attention = $"x = x + mla(rmsnorm(x, eps: eps, name: \"input_layernorm\"), heads: heads, q_rank: q_rank, kv_rank: kv_rank, nope_dim: nope_dim, rope_dim: rope_dim, v_dim: v_dim, theta: theta, eps: eps{rope}, name: \"self_attn\")";
        string moe = $"x = x + moe(rmsnorm(x, eps: eps, name: \"post_attention_layernorm\"), experts: experts, top_k: top_k, hidden: expert_hidden, shared: shared_experts{routing}, name: \"mlp\")";
        var denseLayer = new Layer("dense", new[] { attention, "x = x + gated_ffn(rmsnorm(x, eps: eps, name: \"post_attention_layernorm\"), dense_hidden, name: \"mlp\")" });
        var moeLayer = new Layer("moe", new[] { attention, moe });
        for (long i = 0; i < layers; i++) m.Layers.Add(i < dense ? denseLayer : moeLayer);
        m.Prologue.Add("input tokens: i32[batch, seq]");
        m.Prologue.Add("let x = embedding(tokens, vocab, d, name: \"embed_tokens\")");
        m.Epilogue.Add("output logits = lm_head(rmsnorm(x, eps: eps, name: \"norm\"), vocab)");

        var doc = new SpecDocument(m);
        doc.Header.Add($"DeepSeek MLA + MoE model, written by graphdsl import hf.");
        long mtp = c.IntOr("num_nextn_predict_layers", 0);
        if (mtp > 0) doc.Parts.Add(Mtp(ctx, c, m, attention, moe, mtp));
        return doc;
    }

    /// <summary>moe's routing arguments: scoring, top-k renormalization, the scale, the groups and the selection bias.</summary>
    private static string Routing(ImportContext ctx, HfConfig c, ModelSpec m)
    {
        var args = new List<string>();
        var scoring = c.OptString("scoring_func") ?? "softmax";
        if (scoring is not ("softmax" or "sigmoid")) throw c.Unsupported("scoring_func", $"is \"{scoring}\" (known: softmax, sigmoid)");
        if (scoring != "softmax") args.Add($"scoring: \"{scoring}\"");
        if (!c.BoolOr("norm_topk_prob", false)) args.Add("norm_topk: false");
        double scale = c.FloatOr("routed_scaling_factor", 1.0);
        if (scale != 1.0) args.Add($"route_scale: {SpecText.Float(scale)}");
        var method = c.OptString("topk_method") ?? "greedy";
        long groups = c.IntOr("n_group", 1), topkGroups = c.IntOr("topk_group", 1);
        switch (method)
        {
            case "greedy":
                break;
            case "group_limited_greedy":
                ctx.Gap(c, "topk_method", "group_limited_greedy ranks a group by its best expert; moe.route ranks it by its two best (DeepSeek-V3's rule)");
                break;
            case "noaux_tc":
                args.Add("selection_bias: true");
                break;
            default:
                throw c.Unsupported("topk_method", $"is \"{method}\" (known: greedy, group_limited_greedy, noaux_tc)");
        }
        if (method != "greedy" && groups > 1)
        {
            m.Param("groups", groups).Param("topk_groups", topkGroups);
            args.Add("groups: groups, topk_groups: topk_groups");
        }
        return string.Concat(args.ConvertAll(a => ", " + a));
    }

    /// <summary>The MTP module (DeepSeek-V3 report, section 2.2): the main model's last hidden state and the next token's
    /// embedding, each normed, concatenated and projected to d, one more MoE layer, a norm of its own before the head;
    /// the embedding and the head are the main model's (same weight names).</summary>
    private static ModelSpec Mtp(ImportContext ctx, HfConfig c, ModelSpec main, string attention, string moe, long count)
    {
        if (count > 1)
            ctx.Gap(c, "num_nextn_predict_layers", $"is {count}; the part writes one module (what predict --speculative mtp:K prices)");
        var part = new ModelSpec(main.Name + "Mtp", main.Name) { DType = main.DType };
        part.Comments.Add("The multi-token-prediction module (num_nextn_predict_layers), a part of the model: it shares the embedding and the head.");
        foreach (var p in main.Params)
            if (p.Name is not ("layers" or "dense_layers" or "dense_hidden")) part.Params.Add(p);
        part.Prologue.Add("input hidden: [batch, seq, d]");
        part.Prologue.Add("input tokens: i32[batch, seq]");
        part.Prologue.Add("let e = embedding(tokens, vocab, d, name: \"embed_tokens\")");
        part.Prologue.Add("let x = linear(nn.concat(rmsnorm(e, eps: eps, name: \"enorm\"), rmsnorm(hidden, eps: eps, name: \"hnorm\")), d, name: \"eh_proj\")");
        part.Prologue.Add(attention);
        part.Prologue.Add(moe);
        part.Epilogue.Add("output logits = lm_head(rmsnorm(x, eps: eps, name: \"shared_head_norm\"), vocab)");
        return part;
    }
}
