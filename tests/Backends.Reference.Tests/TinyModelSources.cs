namespace GraphDsl.Backends.Reference.Tests;

/// <summary>Small models built from the standard library that exercise what the tiny samples do not:
/// sliding windows with sinks and biases (gpt-oss), MLA with grouped sigmoid routing (DeepSeek-V3),
/// and LayerNorm with partial RoPE, q/k norms, soft-capping and a tied head (GPT-J, Qwen3, Grok), and
/// Mamba-2 and Mamba-1 scans beside attention (Nemotron-H, Jamba).</summary>
internal static class TinyModelSources
{
    /// <summary>State-space layers: two Mamba-2 layers (4 heads of 16, 2 groups of B and C with 8 state dimensions, the
    /// grouped norm), a Mamba-1-shaped scan (a decay per state dimension, head size 1) and an attention layer.</summary>
    public const string Mamba = """
        import "std/norm"
        import "std/attention"
        import "std/ssm"
        import "std/linear"
        model TinyMamba {
          param vocab = 97
          param d = 64
          dtype f32
          input tokens: i32[batch, seq]
          let x = embedding(tokens, vocab, d, name: "embed")
          repeat 2 as mamba_layers {
            x = x + mamba2(rmsnorm(x, name: "norm"), heads: 4, head_dim: 16, state: 8, groups: 2, chunk: 4, name: "mixer")
          }
          repeat 1 as mamba1_layers {
            weight w_in: [d, 32]
            weight w_dt: [d, 32]
            weight w_b: [d, 4]
            weight w_c: [d, 4]
            weight a_log: [32, 4]
            weight dt_bias: [32]
            weight w_out: [32, d]
            let h = rmsnorm(x, name: "norm")
            let xs = nn.reshape(nn.matmul(h, w_in), shape: [batch, seq, 32, 1])
            let bs = nn.reshape(nn.matmul(h, w_b), shape: [batch, seq, 1, 4])
            let cs = nn.reshape(nn.matmul(h, w_c), shape: [batch, seq, 1, 4])
            let y = nn.ssd(xs, nn.matmul(h, w_dt), bs, cs, a_log, dt_bias)
            x = x + nn.matmul(nn.reshape(y, shape: [batch, seq, 32]), w_out)
          }
          repeat 1 as attn_layers {
            x = x + attention(rmsnorm(x, name: "norm"), heads: 4, kv_heads: 2, name: "attn")
          }
          output logits = lm_head(rmsnorm(x, name: "norm"), vocab)
        }
        """;

    public const string Oss = """
        import "std/norm"
        import "std/attention"
        import "std/moe"
        import "std/linear"
        model TinyOss {
          param vocab = 64
          param d = 32
          param layers = 2
          dtype f32
          input tokens: i32[batch, seq]
          let x = embedding(tokens, vocab, d, name: "embedding")
          repeat layers as layers {
            x = x + attention(rmsnorm(x, eps: 1e-5, name: "attn_norm"), heads: 4, kv_heads: 2, head_dim: 8, window: 3,
                              theta: 150000.0, bias: true, sinks: true, name: "sliding_attn")
            x = x + moe(rmsnorm(x, eps: 1e-5, name: "mlp_norm"), experts: 4, top_k: 2, hidden: 16, act: "swiglu_clamped",
                        router_bias: true, expert_bias: true, name: "mlp")
          }
          output logits = lm_head(rmsnorm(x, eps: 1e-5, name: "norm"), vocab, name: "unembedding")
        }
        """;

    public const string DeepSeek = """
        import "std/norm"
        import "std/attention"
        import "std/ffn"
        import "std/moe"
        import "std/linear"
        model TinyDeepSeek {
          param vocab = 64
          param d = 32
          dtype f32
          input tokens: i32[batch, seq]
          let x = embedding(tokens, vocab, d, name: "embed_tokens")
          repeat 2 as layers {
            x = x + mla(rmsnorm(x, name: "input_layernorm"), heads: 2, q_rank: 16, kv_rank: 8, nope_dim: 8, rope_dim: 4, v_dim: 8,
                        name: "self_attn")
            x = x + moe(rmsnorm(x, name: "post_attention_layernorm"), experts: 8, top_k: 2, hidden: 16, shared: 1,
                        scoring: "sigmoid", route_scale: 2.5, groups: 4, topk_groups: 2, selection_bias: true, name: "mlp")
          }
          output logits = lm_head(rmsnorm(x, name: "norm"), vocab)
        }
        """;

    public const string GptJ = """
        import "std/norm"
        import "std/attention"
        import "std/ffn"
        model TinyGptJ {
          param vocab = 64
          param d = 32
          dtype f32
          input tokens: i32[batch, seq]
          weight wte: [vocab, d]
          let x = nn.embedding(tokens, wte)
          repeat 2 as h {
            let n = layernorm(x, name: "ln_1")
            x = x + attention(n, heads: 4, head_dim: 8, rope_dims: 4, qk_norm: true, softcap: 30.0, name: "attn")
                  + ffn(n, 64, act: "gelu_tanh", bias: true, name: "mlp")
          }
          output logits = nn.matmul(layernorm(x, name: "ln_f"), wte, transpose_w: true)
        }
        """;
}
