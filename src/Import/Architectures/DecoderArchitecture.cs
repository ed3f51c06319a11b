using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Import.Config;
using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>
/// The pre-norm decoders that differ only in the traits of <see cref="DecoderTraits"/>: Llama, Mistral, Mixtral, Qwen2/3
/// and their MoE versions, OLMoE, Phi-3, PhiMoE, Gemma 2/3, gpt-oss and Llama 4's text model. Each layer is written with
/// the standard library's attention, gated_ffn and moe blocks under the checkpoint's module names (self_attn, mlp, ...),
/// and <see cref="LayerPlan"/> groups the layers into repeats.
/// </summary>
public sealed class DecoderArchitecture : IArchitecture
{
    public static readonly DecoderArchitecture[] Families =
    {
        new(new[] { "LlamaForCausalLM" }, new DecoderTraits { Family = "Llama", AttentionBiasField = true, MlpBiasField = true }),
        new(new[] { "MistralForCausalLM" }, new DecoderTraits { Family = "Mistral", SlidingWindowAll = true }),
        new(new[] { "MixtralForCausalLM" }, new DecoderTraits { Family = "Mixtral", Moe = MoeStyle.LocalExperts, SlidingWindowAll = true }),
        new(new[] { "Qwen2ForCausalLM" }, new DecoderTraits { Family = "Qwen2", QkvBias = true, QwenSlidingWindow = true }),
        new(new[] { "Qwen3ForCausalLM" }, new DecoderTraits { Family = "Qwen3", QkNorm = QkNorm.PerHead, AttentionBiasField = true, QwenSlidingWindow = true }),
        new(new[] { "Qwen2MoeForCausalLM" }, new DecoderTraits { Family = "Qwen2-MoE", Moe = MoeStyle.Qwen, QkvBias = true, QwenSlidingWindow = true }),
        new(new[] { "Qwen3MoeForCausalLM" }, new DecoderTraits { Family = "Qwen3-MoE", Moe = MoeStyle.Qwen, QkNorm = QkNorm.PerHead, AttentionBiasField = true, QwenSlidingWindow = true }),
        new(new[] { "Qwen3NextForCausalLM" }, new DecoderTraits
        {
            Family = "Qwen3-Next", Moe = MoeStyle.Qwen, QkNorm = QkNorm.PerHead, AttentionBiasField = true, PartialRotary = true, LinearAttention = true,
            ZeroCenteredNorms = true,
        }),
        new(new[] { "OlmoeForCausalLM" }, new DecoderTraits { Family = "OLMoE", Moe = MoeStyle.Olmoe, QkNorm = QkNorm.AllHeads, AttentionBiasField = true }),
        new(new[] { "Phi3ForCausalLM" }, new DecoderTraits { Family = "Phi-3", SlidingWindowAll = true, PartialRotary = true, Neutral = new[] { "original_max_position_embeddings" } }),
        new(new[] { "PhiMoEForCausalLM" }, new DecoderTraits
        {
            Family = "PhiMoE", Moe = MoeStyle.LocalExperts, SlidingWindowAll = true, LayerNormWithBias = true, AttentionBiasField = true,
            Neutral = new[] { "original_max_position_embeddings", "input_jitter_noise" },
        }),
        new(new[] { "Gemma2ForCausalLM", "Gemma3ForCausalLM" }, new DecoderTraits
        {
            Family = "Gemma", Gemma = true, TiedByDefault = true, AttentionBiasField = true, LayerTypes = true,
            Neutral = new[] { "cache_implementation", "sliding_window_size" }, // sliding_window_size repeats sliding_window (Gemma 2)
        }),
        new(new[] { "GptOssForCausalLM" }, new DecoderTraits
        {
            Family = "gpt-oss", Moe = MoeStyle.LocalExperts, GptOss = true, AttentionBiasField = true, LayerTypes = true,
            Neutral = new[] { "initial_context_length" },
        }),
        new(new[] { "Llama4ForConditionalGeneration", "Llama4ForCausalLM" }, new DecoderTraits
        {
            Family = "Llama 4 (text)", Moe = MoeStyle.LocalExperts, Llama4 = true, AttentionBiasField = true,
            Neutral = new[] { "for_llm_compressor", "moe_layers", "cache_implementation", "torch_dtype" }, // the top level's torch_dtype is the one read
        }),
    };

    private readonly DecoderTraits _t;

    public DecoderArchitecture(string[] names, DecoderTraits traits)
    {
        Names = names; _t = traits;
    }

    public string[] Names { get; }

    public SpecDocument Map(ImportContext ctx)
    {
        var c = ctx.Config;
        if (_t.Llama4 && ctx.Config.Has("text_config"))
        {
            // Llama4ForConditionalGeneration: the text model is text_config; the vision tower and its token ids are not imported.
            c = ctx.Config.OptObject("text_config")!;
            ctx.Config.Ignore(CommonFields.Neutral);
            ctx.Config.Ignore("vision_config", "image_token_index", "boi_token_index", "eoi_token_index");
        }
        c.Ignore(CommonFields.Neutral);
        c.Ignore(_t.Neutral);
        return new Mapping(ctx, c, _t).Run();
    }

    /// <summary>One import: the fields read once, then the layers written from them.</summary>
    private sealed class Mapping
    {
        private readonly ImportContext _ctx;
        private readonly HfConfig _c;
        private readonly DecoderTraits _t;
        private readonly ModelSpec _m;
        private readonly long _layers, _heads, _kvHeads, _headDim, _d;
        private readonly double _eps;
        private readonly string _act, _rope;

        public Mapping(ImportContext ctx, HfConfig c, DecoderTraits t)
        {
            _ctx = ctx; _c = c; _t = t;
            _m = new ModelSpec(ctx.ModelName);
            _d = c.Int("hidden_size");
            _layers = c.Count("num_hidden_layers", LayerPlan.MaxLayers);
            _heads = c.Int("num_attention_heads");
            _kvHeads = c.IntOr("num_key_value_heads", _heads);
            if (_heads <= 0 || _d <= 0 || _layers <= 0 || _kvHeads <= 0) throw c.Unsupported("num_attention_heads", "and hidden_size, num_hidden_layers, num_key_value_heads must be positive");
            _headDim = c.OptInt("head_dim") ?? (_d % _heads == 0 ? _d / _heads : throw c.Unsupported("hidden_size", $"({_d}) is not divisible by num_attention_heads ({_heads}) and head_dim is not given"));
            if (_headDim < 1) throw c.Unsupported("head_dim", $"is {_headDim}; it must be at least 1");
            _eps = c.FloatOr("rms_norm_eps", 1e-6);
            _act = t.Gemma && c.Has("hidden_activation") ? CommonFields.Activation(c, "hidden_activation") : CommonFields.Activation(c, "hidden_act");
            if (t.Gemma) c.Understood("hidden_act");
            _rope = CommonFields.RopeScaling(ctx, c);
        }

        public SpecDocument Run()
        {
            var doc = new SpecDocument(_m);
            long vocab = _c.Int("vocab_size");
            // Llama4ForConditionalGeneration says it at the top level; its text_config may repeat it.
            bool tied = _c.BoolOr("tie_word_embeddings", _c != _ctx.Config ? _ctx.Config.BoolOr("tie_word_embeddings", false) : _t.TiedByDefault);
            _m.DType = CommonFields.DType(_t.Llama4 ? _ctx.Config : _c);
            _m.Param("vocab", vocab).Param("d", _d).Param("layers", _layers).Param("heads", _heads);
            if (_kvHeads != _heads) _m.Param("kv_heads", _kvHeads);
            _m.Param("head_dim", _headDim);

            ReadBiasesAndOthers();
            var attention = AttentionKinds();
            var moe = MoeLayers();
            string? dense = moe.All(x => x) ? null : DenseFfn();
            string? experts = moe.Any(x => x) ? Experts() : null;
            _m.Param("eps", _eps).Param("theta", CommonFields.RopeBase(_c, "rope_theta") ?? 10000.0);
            var windows = attention.Select(a => a.Window).Where(w => w > 0).Distinct().ToList();
            foreach (var w in windows) _m.Param(windows.Count == 1 ? "window" : $"window_{w}", w);

            bool attnVaries = attention.Select(a => a.Kind).Distinct().Count() > 1, ffnVaries = moe.Distinct().Count() > 1;
            for (int i = 0; i < _layers; i++)
            {
                var kind = string.Join("_", new[] { attnVaries ? attention[i].Kind : null, ffnVaries ? (moe[i] ? "moe" : "dense") : null }.Where(k => k is not null));
                _m.Layers.Add(new Layer(kind.Length == 0 ? "layer" : kind, LayerLines(attention[i], moe[i] ? experts! : dense!)));
            }
            WriteEnds(vocab, tied);
            doc.Header.Add($"{_t.Family} model, written by graphdsl import hf.");
            return doc;
        }

        // ------------------------------------------------------------------ attention

        private sealed record AttentionKind(string Kind, long Window, bool Rope, string Extra);

        /// <summary>transformers' MistralConfig default sliding_window, which a config that omits the field runs with.</summary>
        private const long MistralDefaultWindow = 4096;

        private List<AttentionKind> AttentionKinds()
        {
            // A config without the field takes its class's default: 4,096 for MistralConfig (transformers,
            // models/mistral/configuration_mistral.py, "sliding_window: int | None = 4096"), none for the others read here.
            var window = _c.Find("sliding_window") is null && _ctx.Architecture == "MistralForCausalLM" ? MistralDefaultWindow : _c.OptInt("sliding_window");
            // null is no window (transformers builds the full causal mask). 0 or less has no one meaning there: its eager and
            // SDPA masks let a token see no key, while flash-attention takes window - 1 = -1 as unbounded; such a window was
            // read as none without a word, so it is refused wherever a layer would slide.
            long Sliding() => window is > 0 ? window.Value
                : throw _c.Unsupported("sliding_window", $"is {window}; a sliding window holds at least 1 token (null means no window)");
            var kinds = new List<AttentionKind>();
            var full = new AttentionKind("full", 0, true, "");
            if (_t.Llama4) return Llama4Kinds();
            if (_t.LinearAttention) return LinearAttentionKinds();
            IReadOnlyList<string>? types = _t.LayerTypes ? _c.OptStringList("layer_types") : null;
            if (types is null && _t.Gemma)
            {
                // Gemma 2 alternates sliding (even layers) and global; Gemma 3 has a global layer every sliding_window_pattern.
                long pattern = _c.IntOr("sliding_window_pattern", _ctx.Architecture == "Gemma2ForCausalLM" ? 2 : 6);
                types = Enumerable.Range(0, (int)_layers).Select(i => _ctx.Architecture == "Gemma2ForCausalLM"
                    ? (i % 2 == 0 ? "sliding_attention" : "full_attention")
                    : ((i + 1) % pattern != 0 ? "sliding_attention" : "full_attention")).ToList();
            }
            else if (_t.Gemma) _c.Understood("sliding_window_pattern");
            if (types is not null)
            {
                if (types.Count != _layers) throw _c.Unsupported("layer_types", $"lists {types.Count} layers, but num_hidden_layers is {_layers}");
                foreach (var ty in types)
                {
                    if (ty == "sliding_attention")
                    {
                        if (window is null) throw _c.Unsupported("layer_types", "has sliding_attention layers but sliding_window is not set");
                        kinds.Add(new AttentionKind("sliding", Sliding(), true, ""));
                    }
                    else if (ty == "full_attention") kinds.Add(full);
                    else throw _c.Unsupported("layer_types", $"has a layer of type \"{ty}\" (known: sliding_attention, full_attention)");
                }
                return kinds;
            }
            if (_t.QwenSlidingWindow)
            {
                // Qwen2/3 read sliding_window only with use_sliding_window (their configs carry one either way).
                bool use = _c.BoolOr("use_sliding_window", false);
                long from = _c.IntOr("max_window_layers", 0);
                for (int i = 0; i < _layers; i++) kinds.Add(use && window is not null && i >= from ? new AttentionKind("sliding", Sliding(), true, "") : full);
                return kinds;
            }
            bool sliding = _t.SlidingWindowAll && window is not null;
            for (int i = 0; i < _layers; i++) kinds.Add(sliding ? new AttentionKind("sliding", Sliding(), true, "") : full);
            return kinds;
        }

        /// <summary>Qwen3-Next: layer_types ("linear_attention", "full_attention"), or an attention layer every
        /// full_attention_interval layers (the last of each interval) and gated DeltaNet layers between.</summary>
        private List<AttentionKind> LinearAttentionKinds()
        {
            if (_c.BoolOr("use_sliding_window", false)) throw _c.Unsupported("use_sliding_window", "is true; Qwen3-Next's attention layers are full");
            _c.Understood("sliding_window", "max_window_layers");
            var types = _c.OptStringList("layer_types");
            long interval = _c.IntOr("full_attention_interval", 4);
            if (interval < 1) throw _c.Unsupported("full_attention_interval", $"is {interval}; it must be at least 1");
            types ??= Enumerable.Range(0, (int)_layers).Select(i => (i + 1) % interval == 0 ? "full_attention" : "linear_attention").ToList();
            if (types.Count != _layers) throw _c.Unsupported("layer_types", $"lists {types.Count} layers, but num_hidden_layers is {_layers}");
            var linear = new AttentionKind("linear", 0, false, "");
            var full = new AttentionKind("full", 0, true, "");
            if (types.Contains("linear_attention"))
            {
                _m.Param("k_heads", _c.Int("linear_num_key_heads")).Param("v_heads", _c.Int("linear_num_value_heads"))
                    .Param("k_dim", _c.Int("linear_key_head_dim")).Param("v_dim", _c.Int("linear_value_head_dim"));
                _conv = _c.IntOr("linear_conv_kernel_dim", 4);
            }
            return types.Select(t => t switch
            {
                "linear_attention" => linear,
                "full_attention" => full,
                _ => throw _c.Unsupported("layer_types", $"has a layer of type \"{t}\" (known: linear_attention, full_attention)"),
            }).ToList();
        }

        private long _conv;

        /// <summary>Llama 4: three chunked-attention layers with RoPE, then a NoPE layer of global attention.</summary>
        private List<AttentionKind> Llama4Kinds()
        {
            long chunk = _c.IntOr("attention_chunk_size", 0);
            var rope = _c.OptIntList("no_rope_layers");
            if (rope is null || rope.Count == 0) rope = Enumerable.Range(0, (int)_layers).Select(i => (i + 1) % 4 != 0 ? 1L : 0L).ToList();
            if (rope.Count != _layers) throw _c.Unsupported("no_rope_layers", $"lists {rope.Count} layers, but num_hidden_layers is {_layers}");
            if (chunk > 0)
                _ctx.Gap(_c, "attention_chunk_size", $"chunked attention (each token attends within its {chunk}-token chunk) has no form in the language; written as a {chunk}-token sliding window, which caches as many tokens");
            if (_c.BoolOr("use_qk_norm", false))
                _ctx.Gap(_c, "use_qk_norm", "the L2 norm of q and k on RoPE layers (no weights) is not written");
            // attn_temperature_tuning is a bool in transformers and a number (4) in Scout's config: any non-zero value turns it on.
            if (_c.Find("attn_temperature_tuning")?.Value is GraphDsl.Import.Json.JsonBool { Value: true } or GraphDsl.Import.Json.JsonNumber { Value: not 0 })
                _ctx.Gap(_c, "attn_temperature_tuning", "the NoPE layers' query temperature (attn_scale, floor_scale) is not written");
            _c.Understood("attn_scale", "floor_scale", "attn_temperature_tuning");
            return rope.Select(r => r != 0 ? new AttentionKind("chunked", chunk, true, "") : new AttentionKind("nope", 0, false, "")).ToList();
        }

        private string Attention(AttentionKind a)
        {
            if (a.Kind == "linear")
                return $"gated_deltanet({Norm("x", "input_layernorm")}, k_heads: k_heads, v_heads: v_heads, k_dim: k_dim, v_dim: v_dim" +
                    $"{(_conv != 4 ? $", conv: {_conv}" : "")}, eps: eps, name: \"{{p}}linear_attn\")";
            var args = new List<string> { "heads: heads" };
            if (_kvHeads != _heads) args.Add("kv_heads: kv_heads");
            args.Add("head_dim: head_dim");
            if (!a.Rope) args.Add("rope: false");
            else if (_t.Gemma && a.Kind == "sliding" && CommonFields.RopeBase(_c, "rope_local_base_freq") is { } local)
                args.Add($"theta: {SpecText.Float(local)}");
            else args.Add("theta: theta");
            if (a.Window > 0) args.Add(_m.Params.Any(p => p.Name == "window") ? "window: window" : $"window: window_{a.Window}");
            if (_t.QkNorm != QkNorm.None) args.Add("qk_norm: true, norm_eps: eps");
            if (_attnBias) args.Add("bias: true");
            else if (_t.QkvBias) args.Add("bias: true, out_bias: false");
            if (_t.GptOss) args.Add("sinks: true");
            if (_softcap is { } cap) args.Add($"softcap: {SpecText.Float(cap)}");
            if (_scale is { } sc) args.Add($"scale: {SpecText.Float(sc)}");
            if (_rotaryDims > 0) args.Add($"rope_dims: {_rotaryDims}");
            if (_t.LinearAttention) args.Add("out_gate: true");
            bool globalOnlyScaling = _t.Gemma && a.Kind == "sliding";
            var rope = a.Rope && !globalOnlyScaling ? _rope : "";
            return $"attention({Norm("x", "input_layernorm")}, {string.Join(", ", args)}{rope}, name: \"{{p}}self_attn\")";
        }

        // ------------------------------------------------------------------ feed-forward

        private List<bool> MoeLayers()
        {
            var all = Enumerable.Repeat(true, (int)_layers).ToList();
            switch (_t.Moe)
            {
                case MoeStyle.None: return Enumerable.Repeat(false, (int)_layers).ToList();
                case MoeStyle.Qwen:
                {
                    long step = _c.IntOr("decoder_sparse_step", 1);
                    var mlpOnly = _c.OptIntList("mlp_only_layers") ?? Array.Empty<long>();
                    if (step < 1) throw _c.Unsupported("decoder_sparse_step", $"is {step}; it must be at least 1");
                    long experts = _c.Int("num_experts");
                    _c.Understood("intermediate_size"); // the FFN of mlp_only_layers and of the layers between sparse steps
                    return Enumerable.Range(0, (int)_layers).Select(i => experts > 0 && !mlpOnly.Contains(i) && (i + 1) % step == 0).ToList();
                }
                case MoeStyle.LocalExperts when _t.Llama4:
                {
                    long step = _c.IntOr("interleave_moe_layer_step", 1);
                    _c.Understood("intermediate_size_mlp"); // the FFN of the layers between MoE layers
                    if (step < 1) throw _c.Unsupported("interleave_moe_layer_step", $"is {step}; it must be at least 1");
                    return Enumerable.Range(0, (int)_layers).Select(i => (i + 1) % step == 0).ToList();
                }
                default: return all;
            }
        }

        private string DenseFfn()
        {
            long hidden = _t.Llama4 ? _c.Int("intermediate_size_mlp") : _c.Int("intermediate_size");
            _m.Param("ffn_hidden", hidden);
            var act = _act == "silu" ? "" : $", act: \"{_act}\"";
            return $"gated_ffn({Norm("x", _t.Gemma ? "pre_feedforward_layernorm" : "post_attention_layernorm")}, ffn_hidden{act}{(_mlpBias ? ", bias: true" : "")}, name: \"{{p}}mlp\")";
        }

        private string Experts()
        {
            var args = new List<string>();
            string name = "mlp";
            string? shared = null;
            switch (_t.Moe)
            {
                case MoeStyle.LocalExperts:
                {
                    _m.Param("experts", _c.Int("num_local_experts"));
                    long topK = _c.OptInt("num_experts_per_tok") ?? _c.Int("experts_per_token");
                    _c.Understood("experts_per_token");
                    _m.Param("top_k", topK).Param("expert_hidden", _c.Int("intermediate_size"));
                    name = _t.GptOss ? "mlp" : _t.Llama4 ? "feed_forward" : "block_sparse_moe";
                    if (_t.GptOss)
                    {
                        double limit = _c.FloatOr("swiglu_limit", 7.0);
                        if (limit != 7.0) throw _c.Unsupported("swiglu_limit", $"is {SpecText.Float(limit)}; the language's swiglu_clamped clamps at 7.0");
                        args.Add("act: \"swiglu_clamped\", router_bias: true, expert_bias: true");
                    }
                    if (_t.Llama4)
                    {
                        args.Add("shared: 1, scoring: \"sigmoid\", norm_topk: false");
                        _ctx.Gap(_c, "num_local_experts", "Llama 4 scales each expert's input by its routing weight; moe.experts scales its output (the same for parameters and FLOPs)");
                    }
                    if (_ctx.Architecture == "PhiMoEForCausalLM")
                        _ctx.Gap(_c, "num_experts_per_tok", "PhiMoE's sparsemixer routing is written as softmax top-k routing (the same experts per token, other weights)");
                    break;
                }
                case MoeStyle.Qwen:
                {
                    _m.Param("experts", _c.Int("num_experts")).Param("top_k", _c.Int("num_experts_per_tok")).Param("expert_hidden", _c.Int("moe_intermediate_size"));
                    if (!_c.BoolOr("norm_topk_prob", false)) args.Add("norm_topk: false");
                    long sharedHidden = _c.IntOr("shared_expert_intermediate_size", 0);
                    if (sharedHidden > 0)
                    {
                        _m.Param("shared_hidden", sharedHidden);
                        // Qwen2-MoE gates its shared expert with sigmoid(x @ w_gate), one scalar per token.
                        shared = $" + gated_ffn({{p}}h, shared_hidden{ActArg()}, name: \"{{p}}shared_expert\") * nn.sigmoid(linear({{p}}h, 1, name: \"{{p}}shared_expert_gate\"))";
                    }
                    break;
                }
                case MoeStyle.Olmoe:
                {
                    _m.Param("experts", _c.Int("num_experts")).Param("top_k", _c.Int("num_experts_per_tok")).Param("expert_hidden", _c.Int("intermediate_size"));
                    if (!_c.BoolOr("norm_topk_prob", false)) args.Add("norm_topk: false");
                    break;
                }
            }
            if (_act != "silu" && !_t.GptOss) args.Add($"act: \"{_act}\"");
            var input = shared is null ? Norm("x", "post_attention_layernorm") : "{p}h";
            var call = $"moe({input}, experts: experts, top_k: top_k, hidden: expert_hidden{string.Concat(args.Select(a => ", " + a))}, name: \"{{p}}{name}\")";
            return shared is null ? call : call + shared;
        }

        private string ActArg() => _act == "silu" ? "" : $", act: \"{_act}\"";

        // ------------------------------------------------------------------ layers and ends

        private bool _attnBias, _mlpBias;
        private double? _softcap, _scale;
        private long _rotaryDims;

        private void ReadBiasesAndOthers()
        {
            _attnBias = _t.AttentionBiasField && _c.BoolOr("attention_bias", false);
            _mlpBias = _t.MlpBiasField && _c.BoolOr("mlp_bias", false);
            if (_t.Gemma)
            {
                _softcap = _c.OptFloat("attn_logit_softcapping");
                if (_c.OptFloat("query_pre_attn_scalar") is { } q && q != _headDim) _scale = 1.0 / Math.Sqrt(q);
            }
            if (_t.PartialRotary && _c.OptFloat("partial_rotary_factor") is { } f && f != 1.0)
            {
                _rotaryDims = (long)Math.Round(_headDim * f);
                if (_rotaryDims % 2 != 0 || _rotaryDims <= 0) throw _c.Unsupported("partial_rotary_factor", $"gives {_rotaryDims} rotary dims of {_headDim}; they must be even and positive");
            }
            if (_t.QkNorm == QkNorm.AllHeads)
                _ctx.Gap(_c, "model_type", "OLMoE normalizes q and k over all heads at once (q_norm [hidden], k_norm [kv_heads x head_dim]); written as the per-head qk_norm of std/attention ([head_dim] each)");
            if (_t.Moe == MoeStyle.Olmoe) _c.Understood("clip_qkv");
            if (_t.Moe == MoeStyle.Olmoe && _c.OptFloat("clip_qkv") is { } clip) throw _c.Unsupported("clip_qkv", $"is {SpecText.Float(clip)}; clamping q, k and v is not in the language");
        }

        private IEnumerable<string> LayerLines(AttentionKind a, string ffn)
        {
            var attention = Attention(a);
            if (_t.Gemma)
            {
                yield return $"let {{p}}attn_out = {attention}";
                yield return $"x = x + {Norm("{p}attn_out", "post_attention_layernorm")}";
                yield return $"let {{p}}mlp_out = {ffn}";
                yield return $"x = x + {Norm("{p}mlp_out", "post_feedforward_layernorm")}";
                yield break;
            }
            yield return $"x = x + {attention}";
            if (ffn.StartsWith("moe({p}h", StringComparison.Ordinal)) yield return $"let {{p}}h = {Norm("x", "post_attention_layernorm")}";
            yield return $"x = x + {ffn}";
        }

        private string Norm(string input, string name) => _t.LayerNormWithBias
            ? $"layernorm({input}, eps: eps, name: \"{(name == "norm" ? "" : "{p}")}{name}\")"
            : $"rmsnorm({input}, eps: eps, name: \"{(name == "norm" ? "" : "{p}")}{name}\")";

        private void WriteEnds(long vocab, bool tied)
        {
            _m.Prologue.Add("input tokens: i32[batch, seq]");
            string scale = _t.Gemma ? " * " + SpecText.Float(Math.Sqrt(_d)) : "";
            if (tied)
            {
                _m.Prologue.Add("weight embed_tokens: [vocab, d]");
                _m.Prologue.Add($"let x = nn.embedding(tokens, embed_tokens){scale}");
            }
            else _m.Prologue.Add($"let x = embedding(tokens, vocab, d, name: \"embed_tokens\"){scale}");
            if (_t.Gemma)
                _m.Comments.Add("Gemma's RMSNorm scales by (1 + weight): add one to the checkpoint's norm weights when loading them.");
            if (_t.ZeroCenteredNorms)
                _m.Comments.Add($"{_t.Family}'s RMSNorm scales by (1 + weight), except the gated norm of its linear-attention layers: add one to the checkpoint's other norm weights when loading them.");
            var norm = Norm("x", "norm");
            string logits = tied ? $"tied_lm_head({norm}, embed_tokens)"
                : _t.LayerNormWithBias && _c.BoolOr("lm_head_bias", false) ? $"linear({norm}, vocab, bias: true, name: \"lm_head\")"
                : $"lm_head({norm}, vocab)";
            if (_t.Gemma && _c.OptFloat("final_logit_softcapping") is { } cap) logits = $"nn.softcap({logits}, cap: {SpecText.Float(cap)})";
            _m.Epilogue.Add($"output logits = {logits}");
        }
    }
}
