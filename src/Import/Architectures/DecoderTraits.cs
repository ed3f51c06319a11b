namespace GraphDsl.Import.Architectures;

/// <summary>How the experts of a family are named in its config.</summary>
public enum MoeStyle
{
    /// <summary>Dense: every layer a gated FFN.</summary>
    None,
    /// <summary>Mixtral, PhiMoE, gpt-oss, Llama 4: num_local_experts, num_experts_per_tok, intermediate_size.</summary>
    LocalExperts,
    /// <summary>Qwen2-MoE, Qwen3-MoE: num_experts, moe_intermediate_size, shared_expert_intermediate_size,
    /// decoder_sparse_step, mlp_only_layers, norm_topk_prob.</summary>
    Qwen,
    /// <summary>OLMoE: num_experts, intermediate_size per expert, norm_topk_prob.</summary>
    Olmoe,
}

/// <summary>Per-head RMSNorm on q and k (Qwen3, Gemma 3), or over all heads at once (OLMoE).</summary>
public enum QkNorm { None, PerHead, AllHeads }

/// <summary>
/// What distinguishes one pre-norm decoder family from another in the generic mapping (<see cref="DecoderArchitecture"/>).
/// Each flag names the config fields it reads; a family's row in <see cref="DecoderArchitecture.Families"/> sets them.
/// </summary>
public sealed record DecoderTraits
{
    public string Family { get; init; } = "";
    public MoeStyle Moe { get; init; }
    public QkNorm QkNorm { get; init; }
    /// <summary>Biases on q, k and v but not o, always (Qwen2, Qwen2-MoE: no config field).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Reads attention_bias (q, k, v and o biases).</summary>
    public bool AttentionBiasField { get; init; }
    /// <summary>Reads mlp_bias (Llama).</summary>
    public bool MlpBiasField { get; init; }
    /// <summary>sliding_window applies to every layer when set (Mistral, Mixtral, Phi-3).</summary>
    public bool SlidingWindowAll { get; init; }
    /// <summary>use_sliding_window and max_window_layers decide sliding_window (Qwen2/3).</summary>
    public bool QwenSlidingWindow { get; init; }
    /// <summary>layer_types lists "sliding_attention" and "full_attention" per layer (gpt-oss, newer configs).</summary>
    public bool LayerTypes { get; init; }
    /// <summary>Gemma 2/3: post-attention and post-FFN norms, the embedding scaled by sqrt(hidden), soft-capping,
    /// query_pre_attn_scalar, local/global layers, tied embeddings by default.</summary>
    public bool Gemma { get; init; }
    /// <summary>LayerNorm with bias instead of RMSNorm, and a biased LM head (PhiMoE).</summary>
    public bool LayerNormWithBias { get; init; }
    /// <summary>gpt-oss: attention sinks, clamped SwiGLU experts with biases, a router with bias.</summary>
    public bool GptOss { get; init; }
    /// <summary>Llama 4's text model: chunked attention with NoPE layers, a shared expert, sigmoid top-k routing.</summary>
    public bool Llama4 { get; init; }
    /// <summary>Qwen3-Next: gated DeltaNet (linear attention) layers between gated-attention layers (layer_types, or one
    /// attention layer every full_attention_interval), read from the linear_* fields.</summary>
    public bool LinearAttention { get; init; }
    /// <summary>RMSNorm scales by (1 + weight) (Qwen3-Next; Gemma says so through <see cref="Gemma"/>).</summary>
    public bool ZeroCenteredNorms { get; init; }
    /// <summary>partial_rotary_factor: RoPE on a fraction of head_dim (Phi-3 family).</summary>
    public bool PartialRotary { get; init; }
    /// <summary>Default of tie_word_embeddings when the config omits it (transformers' class default).</summary>
    public bool TiedByDefault { get; init; }
    /// <summary>Fields of this family that do not change the computation.</summary>
    public string[] Neutral { get; init; } = System.Array.Empty<string>();
}
