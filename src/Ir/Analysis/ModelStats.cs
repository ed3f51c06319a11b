using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;

namespace GraphDsl.Ir.Analysis;

/// <summary>Parameter, FLOP and KV facts of one layer group (a top-level repeat, or the ops outside repeats).</summary>
public sealed class LayerGroupStats
{
    public string Name { get; init; } = "";
    /// <summary>Iterations of the group (1 for ops outside repeats).</summary>
    public long Count { get; init; }
    public double TotalParams { get; init; }
    public double ActiveParams { get; init; }
    public double PrefillFlopsPerToken { get; init; }
    public double DecodeFlopsPerToken { get; init; }
    /// <summary>KV bytes per token of the full-context caches.</summary>
    public double KvBytesPerToken { get; init; }
    /// <summary>KV bytes per token of the sliding-window caches (each holds at most its window).</summary>
    public double KvWindowBytesPerToken { get; init; }
    /// <summary>Recurrent state bytes per sequence (state-space and linear-attention layers), constant in the context.</summary>
    public double StateBytesPerSequence { get; init; }
    public bool HasExperts { get; init; }
}

/// <summary>The sliding-window caches of one window size: bytes per token while the window fills, and the most they
/// ever hold per sequence (the cap, window x bytes per token).</summary>
public sealed record KvWindowStats(long Window, double BytesPerToken)
{
    public double MaxBytesPerSequence => Window * BytesPerToken;
}

/// <summary>
/// The facts `graphdsl stats` reports: total and active parameters (active counts top_k of E routed
/// experts), FLOPs per token at prefill and per decode step, KV-cache bytes per token, per layer group.
/// </summary>
public sealed class ModelStats
{
    public string Model { get; init; } = "";
    public double TotalParams { get; init; }
    public double ActiveParams { get; init; }
    /// <summary>Parameters read only through nn.embedding lookups (untied input embeddings).</summary>
    public double EmbeddingParams { get; init; }
    public double ActiveParamsExcludingEmbedding => ActiveParams - EmbeddingParams;
    /// <summary>Bytes of weights as stored (dtype of each weight).</summary>
    public double WeightBytes { get; init; }
    /// <summary>KV bytes per token of the full-context caches (which grow with the context).</summary>
    public double KvBytesPerToken { get; init; }
    /// <summary>Bytes per sequence held by sliding-window caches once their window is full.</summary>
    public double KvWindowedBytes { get; init; }
    /// <summary>The sliding-window caches by window size, smallest first.</summary>
    public IReadOnlyList<KvWindowStats> KvWindows { get; init; } = Array.Empty<KvWindowStats>();
    /// <summary>Recurrent state bytes per sequence (state-space and linear-attention layers), constant in the context.</summary>
    public double StateBytesPerSequence { get; init; }
    /// <summary>Bytes per context token of the values computed once per request and read by every decode step
    /// (<see cref="StepDependence.Held"/>: an encoder-decoder's cross-attention keys and values); 0 for decoder-only models.</summary>
    public double RequestCacheBytesPerToken { get; init; }
    public long PromptTokens { get; init; }
    public long Context { get; init; }
    public double PrefillFlopsPerToken { get; init; }
    public double DecodeFlopsPerToken { get; init; }
    public IReadOnlyList<LayerGroupStats> Groups { get; init; } = Array.Empty<LayerGroupStats>();

    /// <summary>Computes the stats; prefill at <paramref name="prompt"/> tokens, decode at <paramref name="context"/>.</summary>
    public static ModelStats Compute(Module m, long prompt = 2048, long context = 4096)
    {
        var param = IrBuilder.Resolver(m);
        var walked = ModelWalker.Walk(m).ToList();
        var uses = UseMap.Build(m);
        var dependence = StepDependence.Analyze(m);
        Func<string, long?> prefillSyms = s => s switch { "batch" => 1, "seq" => prompt, "ctx" => prompt, _ => 1 };
        Func<string, long?> decodeSyms = s => s switch { "batch" => 1, "seq" => 1, "ctx" => context, _ => 1 };

        var groups = new Dictionary<string, GroupAcc>();
        double total = 0, active = 0, embedding = 0, weightBytes = 0, kv = 0, kvWindowed = 0, state = 0, prefill = 0, decode = 0;
        var windows = new SortedDictionary<long, double>();
        for (int i = 0; i < walked.Count; i++)
        {
            var w = walked[i];
            if (!groups.TryGetValue(w.Group, out var g)) groups[w.Group] = g = new GroupAcc();
            var op = w.Op;
            if (op.Def.Structure == OpStructure.Loop && g.Count == 0)
            {
                try { g.Count = op.Attributes.GetInt("count")?.Evaluate(param, _ => null) ?? 1; } catch (ArithmeticException) { g.Count = 1; }
            }
            if (op.Def.Structure == OpStructure.Weight)
            {
                var numel = Poly.From(op.Result.Type.Shape.NumElements(), param)?.ConstantTerm ?? 0;
                var n = numel * w.Multiplicity;
                var fraction = ActiveFraction(op.Result, uses, param);
                total += n; active += n * fraction; g.Total += n; g.Active += n * fraction;
                weightBytes += n * op.Result.Type.DType.BytesPerElement;
                if (IsEmbeddingOnly(op.Result, uses)) embedding += n;
                continue;
            }
            if (op.Def.IsStateful)
            {
                var perToken = (AttentionOps.BytesPerToken(op, param).ConstantTerm) * w.Multiplicity;
                var window = op.Attributes.GetInt("window")?.Evaluate(param, _ => null) ?? 0;
                if (window > 0)
                {
                    kvWindowed += perToken * window;
                    windows[window] = (windows.TryGetValue(window, out var w0) ? w0 : 0) + perToken;
                    g.KvWindow += perToken;
                }
                else { kv += perToken; g.Kv += perToken; }
            }
            if (op.Def.RecurrentState is { } recurrent)
            {
                var bytes = recurrent(op, param) * w.Multiplicity;
                state += bytes; g.State += bytes;
            }
            if (op.Def.HasRoutedWeights) g.Experts = true;
            if (op.Def.Cost is null || w.InsideKernel) continue;
            var pre = op.Def.Cost(new CostContext(op, param, CostPhase.Prefill)).Flops.Evaluate(prefillSyms) ?? 0;
            // Work that depends on no token of the step runs once per request, at prefill (an encoder).
            var dec = dependence.OncePerRequest(i) ? 0 : op.Def.Cost(new CostContext(op, param, CostPhase.Decode)).Flops.Evaluate(decodeSyms) ?? 0;
            prefill += pre * w.Multiplicity; decode += dec * w.Multiplicity;
            g.Prefill += pre * w.Multiplicity; g.Decode += dec * w.Multiplicity;
        }
        return new ModelStats
        {
            Model = m.Name,
            TotalParams = total,
            ActiveParams = active,
            EmbeddingParams = embedding,
            WeightBytes = weightBytes,
            KvBytesPerToken = kv,
            KvWindowedBytes = kvWindowed,
            KvWindows = windows.Select(w => new KvWindowStats(w.Key, w.Value)).ToArray(),
            StateBytesPerSequence = state,
            RequestCacheBytesPerToken = dependence.Held.Sum(h => RequestValueBytes.Of(h, param).PerToken),
            PromptTokens = prompt,
            Context = context,
            PrefillFlopsPerToken = prefill / prompt,
            DecodeFlopsPerToken = decode,
            Groups = groups.Where(kv2 => kv2.Value.Total > 0 || kv2.Value.Prefill > 0).Select(kv2 => new LayerGroupStats
            {
                Name = kv2.Key,
                Count = Math.Max(1, kv2.Value.Count),
                TotalParams = kv2.Value.Total,
                ActiveParams = kv2.Value.Active,
                PrefillFlopsPerToken = kv2.Value.Prefill / prompt,
                DecodeFlopsPerToken = kv2.Value.Decode,
                KvBytesPerToken = kv2.Value.Kv,
                KvWindowBytesPerToken = kv2.Value.KvWindow,
                StateBytesPerSequence = kv2.Value.State,
                HasExperts = kv2.Value.Experts,
            }).ToArray(),
        };
    }

    /// <summary>Share of a weight one token uses: top_k/E for routed-expert weights, else 1.</summary>
    public static double ActiveFraction(Value weight, UseMap uses, Func<string, long?> param)
    {
        double fraction = 0;
        bool any = false;
        foreach (var (user, slot) in uses.Of(weight))
        {
            any = true;
            if (user.Def.RoutedWeightSlots.Contains(slot))
            {
                var k = user.Operand("indices")!.Type.Shape.Last.Evaluate(param, _ => null) ?? 1;
                var e = user.Operand(user.Def.ComputeWeight!)!.Type.Shape[0].Evaluate(param, _ => null) ?? 1;
                fraction = Math.Max(fraction, (double)k / e);
            }
            else fraction = 1;
        }
        return any ? fraction : 1;
    }

    private static bool IsEmbeddingOnly(Value weight, UseMap uses)
    {
        var users = uses.Of(weight).ToList();
        return users.Count > 0 && users.All(u => u.User.Def.WeightIn(u.Slot)?.Init == InitRole.Embedding);
    }

    private sealed class GroupAcc
    {
        public long Count;
        public double Total, Active, Prefill, Decode, Kv, KvWindow, State;
        public bool Experts;
    }
}

