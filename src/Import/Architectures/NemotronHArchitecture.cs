using System.Linq;
using GraphDsl.Import.Config;
using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>
/// NVIDIA's Nemotron-H: one mixer per layer, each behind its own RMSNorm and residual, in the order of
/// hybrid_override_pattern ("M" a Mamba-2 layer, "*" attention without RoPE, "-" a squared-ReLU MLP). The pattern
/// becomes nested repeats (<see cref="LayerPlan"/>), so "M-M-M-M*-M-M-M-M-M*-..." is written with each kind of layer once
/// per place it takes in the repeating unit, not once per layer.
/// </summary>
public sealed class NemotronHArchitecture : IArchitecture
{
    public string[] Names { get; } = { "NemotronHForCausalLM" };

    public SpecDocument Map(ImportContext ctx)
    {
        var c = ctx.Config;
        c.Ignore(CommonFields.Neutral);
        // Initialization, kernel choice, numerics of the residual and what the logits keep: the computation is the same.
        c.Ignore("rescale_prenorm_residual", "residual_in_fp32", "use_mamba_kernels", "num_logits_to_keep", "time_step_min", "time_step_max",
            "time_step_floor", "time_step_rank", "mamba_proj_bias");
        var m = new ModelSpec(ctx.ModelName) { DType = CommonFields.DType(c) };
        var pattern = c.OptString("hybrid_override_pattern") ?? throw c.Unsupported("hybrid_override_pattern", "is missing; it says which layers are Mamba-2, attention and MLP");
        long layers = c.Count("num_hidden_layers", LayerPlan.MaxLayers);
        if (pattern.Length != layers) throw c.Unsupported("hybrid_override_pattern", $"has {pattern.Length} layers, but num_hidden_layers is {layers}");
        int bad = pattern.IndexOfAny(pattern.Where(ch => ch is not ('M' or '*' or '-')).Take(1).ToArray());
        if (bad >= 0)
            throw c.Unsupported("hybrid_override_pattern", $"has '{pattern[bad]}' at layer {bad}; known: 'M' (Mamba-2), '*' (attention), '-' (MLP)" +
                (pattern[bad] == 'E' ? "; the MoE layers of Nemotron 3 are not mapped yet" : ""));
        long d = c.Int("hidden_size"), heads = c.Int("mamba_num_heads"), headDim = c.Int("mamba_head_dim");
        long expand = c.IntOr("expand", heads * headDim / d);
        if (expand * d != heads * headDim) throw c.Unsupported("expand", $"is {expand}, but mamba_num_heads x mamba_head_dim = {heads * headDim} is not {expand} x hidden_size {d}");
        if (c.BoolOr("use_bias", false)) throw c.Unsupported("use_bias", "is true; Nemotron-H's Mamba projections have no bias in every released config");
        if (c.BoolOr("attention_bias", false)) throw c.Unsupported("attention_bias", "is true; the attention of Nemotron-H has no biases in every released config");
        if (c.BoolOr("mlp_bias", false)) throw c.Unsupported("mlp_bias", "is true; the MLP of Nemotron-H has no biases in every released config");
        if (c.BoolOr("tie_word_embeddings", false)) throw c.Unsupported("tie_word_embeddings", "is true; Nemotron-H's head is untied in every released config");
        if (CommonFields.Activation(c, "mamba_hidden_act") != "silu") throw c.Unsupported("mamba_hidden_act", "is not silu; Mamba-2's convolution is followed by SiLU");
        var stateType = c.OptString("mamba_ssm_cache_dtype");
        if (stateType is not (null or "float32"))
            throw c.Unsupported("mamba_ssm_cache_dtype", $"is \"{stateType}\"; std/ssm keeps the Mamba-2 state in f32");
        if (c.Find("time_step_limit") is { } limit && limit.Value is not Json.JsonNull && !(limit.Value is Json.JsonArray a && a.Items.Count == 2 &&
            a.Items[0] is Json.JsonNumber { Value: 0 } && a.Items[1] is Json.JsonString or Json.JsonNumber { Value: double.PositiveInfinity }))
            ctx.Gap(c, "time_step_limit", "Mamba-2's clamp of dt is not written (parameters, FLOPs and state are exact)");
        c.Understood("time_step_limit");
        string act = c.Has("mlp_hidden_act") ? CommonFields.Activation(c, "mlp_hidden_act") : CommonFields.Activation(c, "hidden_act");
        if (c.Has("mlp_hidden_act")) c.Understood("hidden_act");

        m.Param("vocab", c.Int("vocab_size")).Param("d", d).Param("layers", layers);
        bool attention = pattern.Contains('*'), mlp = pattern.Contains('-'), mamba = pattern.Contains('M');
        if (attention)
        {
            long aHeads = c.Int("num_attention_heads");
            m.Param("heads", aHeads).Param("kv_heads", c.IntOr("num_key_value_heads", aHeads)).Param("head_dim", c.OptInt("attention_head_dim") ?? c.OptInt("head_dim") ?? d / aHeads);
            c.Understood("head_dim");
        }
        if (mamba)
        {
            m.Param("mamba_heads", heads).Param("mamba_head_dim", headDim).Param("state", c.Int("ssm_state_size")).Param("groups", c.IntOr("n_groups", 1));
        }
        if (mlp) m.Param("ffn_hidden", c.Int("intermediate_size"));
        double eps = c.FloatOr("rms_norm_eps", 1e-5), mixerEps = c.FloatOr("layer_norm_epsilon", eps);
        m.Param("eps", eps);
        if (mixerEps != eps) m.Param("mixer_eps", mixerEps);
        long conv = c.IntOr("conv_kernel", 4), chunk = c.IntOr("chunk_size", 256);
        bool convBias = c.BoolOr("use_conv_bias", true);

        string Norm() => "rmsnorm(x, eps: eps, name: \"{p}norm\")";
        var mambaArgs = $"heads: mamba_heads, head_dim: mamba_head_dim, state: state, groups: groups{(conv != 4 ? $", conv: {conv}" : "")}, chunk: {chunk}, " +
            $"eps: {(mixerEps != eps ? "mixer_eps" : "eps")}{(convBias ? "" : ", conv_bias: false")}";
        var kinds = new System.Collections.Generic.Dictionary<char, Layer>
        {
            ['M'] = new("mamba", new[] { $"x = x + mamba2({Norm()}, {mambaArgs}, name: \"{{p}}mixer\")" }),
            ['*'] = new("attention", new[] { $"x = x + attention({Norm()}, heads: heads, kv_heads: kv_heads, head_dim: head_dim, rope: false, name: \"{{p}}mixer\")" }),
            ['-'] = new("mlp", new[] { $"x = x + ffn({Norm()}, ffn_hidden{(act == "gelu" ? "" : $", act: \"{act}\"")}, name: \"{{p}}mixer\")" }),
        };
        m.Layers.AddRange(pattern.Select(ch => kinds[ch]));
        m.Prologue.Add("input tokens: i32[batch, seq]");
        m.Prologue.Add("let x = embedding(tokens, vocab, d, name: \"embeddings\")");
        m.Epilogue.Add("output logits = lm_head(rmsnorm(x, eps: eps, name: \"norm_f\"), vocab)");
        var doc = new SpecDocument(m);
        doc.Header.Add($"Nemotron-H hybrid (Mamba-2, attention and MLP layers: {pattern}), written by graphdsl import hf.");
        return doc;
    }
}
