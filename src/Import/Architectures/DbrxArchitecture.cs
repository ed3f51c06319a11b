using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>DBRX: every layer MoE (fine-grained experts, top-k with renormalized weights), GQA, LayerNorm without bias;
/// its config nests the attention and FFN settings in attn_config and ffn_config, with key names of its own.</summary>
public sealed class DbrxArchitecture : IArchitecture
{
    public string[] Names { get; } = { "DbrxForCausalLM" };

    public SpecDocument Map(ImportContext ctx)
    {
        var c = ctx.Config;
        c.Ignore(CommonFields.Neutral);
        c.Ignore("max_seq_len");
        var attn = c.OptObject("attn_config") ?? throw c.Unsupported("attn_config", "is missing");
        var ffn = c.OptObject("ffn_config") ?? throw c.Unsupported("ffn_config", "is missing");
        attn.Ignore("attn_pdrop", "model_type");
        ffn.Ignore("moe_jitter_eps", "moe_loss_weight", "uniform_expert_assignment", "model_type");
        var m = new ModelSpec(ctx.ModelName) { DType = CommonFields.DType(c) };
        long d = c.Int("d_model"), heads = c.Int("n_heads");
        m.Param("vocab", c.Int("vocab_size")).Param("d", d).Param("layers", c.Count("n_layers", LayerPlan.MaxLayers)).Param("heads", heads)
            .Param("kv_heads", attn.Int("kv_n_heads")).Param("head_dim", d / heads)
            .Param("experts", ffn.Int("moe_num_experts")).Param("top_k", ffn.Int("moe_top_k")).Param("expert_hidden", ffn.Int("ffn_hidden_size"))
            .Param("eps", 1e-5).Param("theta", CommonFields.RopeBase(attn, "rope_theta") ?? 10000.0);
        if (attn.OptFloat("clip_qkv") is { } clip)
            ctx.Gap(attn, "clip_qkv", $"DBRX clamps q, k and v to [-{SpecText.Float(clip)}, {SpecText.Float(clip)}]; the language has no clamp, so it is not written");
        var actObject = ffn.OptObject("ffn_act_fn");
        var act = actObject is null ? "silu" : CommonFields.Activation(actObject, "name");
        // transformers' DbrxFFNConfig: the chosen weights are renormalized by their L1 norm unless the field is null.
        bool normalized = ffn.Find("moe_normalize_expert_weights") is not { Value: GraphDsl.Import.Json.JsonNull };
        double? p = ffn.OptFloat("moe_normalize_expert_weights");
        if (p is { } norm && norm != 1.0) throw ffn.Unsupported("moe_normalize_expert_weights", $"is {SpecText.Float(norm)}; only the L1 renormalization (1) of moe.route is in the language");
        if (c.BoolOr("tie_word_embeddings", false)) throw c.Unsupported("tie_word_embeddings", "is true; DBRX's head is untied in every released config");
        var routing = normalized ? "" : ", norm_topk: false";
        var actArg = act == "silu" ? "" : $", act: \"{act}\"";
        m.Layers.AddRange(System.Linq.Enumerable.Repeat(new Layer("layer", new[]
        {
            "x = x + attention(layernorm(x, eps: eps, bias: false, name: \"norm_1\"), heads: heads, kv_heads: kv_heads, head_dim: head_dim, theta: theta, name: \"attn\")",
            $"x = x + moe(layernorm(x, eps: eps, bias: false, name: \"norm_2\"), experts: experts, top_k: top_k, hidden: expert_hidden{routing}{actArg}, name: \"ffn\")",
        }), (int)c.Count("n_layers", LayerPlan.MaxLayers)));
        m.Prologue.Add("input tokens: i32[batch, seq]");
        m.Prologue.Add("let x = embedding(tokens, vocab, d, name: \"wte\")");
        m.Epilogue.Add("output logits = lm_head(layernorm(x, eps: eps, bias: false, name: \"norm_f\"), vocab)");
        var doc = new SpecDocument(m);
        doc.Header.Add($"DBRX model, written by graphdsl import hf.");
        return doc;
    }
}
