using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Parallelize;

/// <summary>Raised when two consumers want one weight laid out differently; the pass retries with the weight replicated.</summary>
internal sealed class WeightLayoutConflict : Exception
{
    public WeightLayoutConflict(Value weight) : base("conflicting weight layouts") { Weight = weight; }
    public Value Weight { get; }
}

/// <summary>
/// Rewrites a flat module into the program of one GPU under tensor, data and expert parallelism.
/// Walks the ops in order, tracking each value's <see cref="Shard"/>: column-parallel matmuls split
/// their output features, row-parallel ones produce partial sums that an all-reduce completes where a whole value is
/// first needed (once per value, in the region that defines it), attention splits heads (KV heads replicated when fewer than the TP ranks), MoE layers split experts
/// (all-to-all dispatch and combine across data-parallel replicas), and anything that cannot consume a
/// split value gets it gathered first, so every rewrite is legal. Weights take the per-GPU shape their
/// consumer needs and are emitted just before their first use.
/// </summary>
internal sealed class TensorParallelRewriter
{
    private readonly Module _src;
    private readonly ParallelLayout _o;
    private readonly HashSet<Value> _pinned;
    private readonly ShardLookahead _lookahead;
    private readonly Func<string, long?> _param;
    private readonly Dictionary<Value, Value> _map = new();
    private readonly Dictionary<Value, Shard> _shards = new();
    // Weights: where they are emitted and with which per-axis divisors.
    private readonly Dictionary<Value, Region> _weightHome = new();
    private readonly Dictionary<Value, (long[] Divisors, Value New)> _weights = new();
    private readonly List<Value> _declaredWeights = new();

    public TensorParallelRewriter(Module src, ParallelLayout options, HashSet<Value> pinned)
    {
        _src = src; _o = options; _pinned = pinned;
        _param = IrBuilder.Resolver(src);
        _lookahead = new ShardLookahead(UseMap.Build(src), IsWeight);
    }

    public Dictionary<string, long> Stats { get; } = new() { ["column_parallel"] = 0, ["row_parallel"] = 0, ["collectives"] = 0, ["replicated_matmuls"] = 0 };

    public Module Run()
    {
        var result = new Module(_src.Name) { Attributes = _src.Attributes };
        foreach (var p in _src.Params) result.AddParam(p.Name, p.Value);
        result.Symbols.Clear();
        result.Symbols.AddRange(_src.Symbols);
        RewriteRegion(_src.Body, result.Body);
        return result;
    }

    private static bool IsWeight(Value v) => v.Owner?.Def.Structure == OpStructure.Weight;

    private Value Lookup(Value old) => _map.TryGetValue(old, out var v) ? v : throw new InvalidOperationException($"parallelize: value of {old.Owner?.Name} not rewritten yet");
    private Shard ShardOf(Value v) => _shards.TryGetValue(v, out var s) ? s : Shard.Replicated;

    private void RewriteRegion(Region src, Region dst)
    {
        foreach (var op in src.Ops) Rewrite(op, dst);
        // Weights nothing used still belong to the model.
        foreach (var w in _declaredWeights.Where(w => _weightHome[w] == dst && !_weights.ContainsKey(w)).ToList())
            Weight(w, Divisors(w, -1, 1));
    }

    // ---------------------------------------------------------------- emission helpers

    private Operation Emit(Region dst, OpDef def, IReadOnlyList<Value?> slots, AttrDict? attrs, Operation origin, IReadOnlyList<TensorType>? types = null,
        IReadOnlyList<Region>? regions = null)
    {
        Operation op;
        try { op = IrBuilder.Create(def, slots, attrs ?? AttrDict.Empty, types, regions, origin.Span, _param); }
        catch (IrBuildException e) { throw new PassException($"cannot split {origin.Name} this way: {e.Message}"); }
        dst.Append(op);
        return op;
    }

    private Value Collective(Region dst, OpDef def, Value x, Operation origin, params (string, Attr)[] attrs)
    {
        Stats["collectives"]++;
        return Emit(dst, def, new Value?[] { x }, IrBuilder.Attrs(attrs), origin).Result;
    }

    /// <summary>Makes a value replicated: all-gathers a split, all-reduces a partial sum; once per value, so a partial sum
    /// read by several ops is reduced once. The collective goes where the value is defined: a value made before a repeat
    /// and read inside its body is completed once before the loop, not on every iteration (the body is still being built,
    /// so the defining region's end is before the repeat op).</summary>
    private Value Replicate(Value v, Region dst, Operation origin)
    {
        var s = ShardOf(v);
        if (s.IsReplicated) return v;
        if (_whole.TryGetValue(v, out var done)) return done;
        dst = v.Owner?.ParentRegion ?? v.ArgumentOf ?? dst;
        var r = s.IsPartial
            ? Collective(dst, CommOps.AllReduce, v, origin, ("group", Attr.Int(s.Parts)), ("axis", Attr.Str("tp")))
            : Collective(dst, CommOps.AllGather, v, origin, ("group", Attr.Int(s.Parts)), ("axis", Attr.Str("tp")), ("dim", Attr.Int(s.Axis)));
        _shards[r] = Shard.Replicated;
        return _whole[v] = r;
    }

    /// <summary>The replicated copy made of each sharded value, in the region that defines it (<see cref="Replicate"/>).</summary>
    private readonly Dictionary<Value, Value> _whole = new();

    private static long[] Divisors(Value w, int axis, long parts)
    {
        var d = Enumerable.Repeat(1L, w.Type.Rank).ToArray();
        if (axis >= 0) d[axis] = parts;
        return d;
    }

    /// <summary>The per-GPU copy of a weight, split by the given divisor per axis; emitted on first use.
    /// <paramref name="slots"/>, when given, is the leading extent this GPU holds instead (the expert slots of an
    /// expert-parallel shard, which with redundant experts is not the experts divided by ep).</summary>
    private Value Weight(Value old, long[] divisors, long? slots = null)
    {
        if (_pinned.Contains(old)) divisors = Divisors(old, -1, 1);
        if (_weights.TryGetValue(old, out var done))
        {
            if (!done.Divisors.SequenceEqual(divisors)) throw new WeightLayoutConflict(old);
            return done.New;
        }
        if (_pinned.Contains(old)) slots = null;
        var dims = old.Type.Shape.Dims.Select((d, i) => i == 0 && slots is { } n ? DimExpr.Of(n) : divisors[i] == 1 ? d : DimExpr.Of(StaticOf(d) / divisors[i])).ToArray();
        for (int i = slots is null ? 0 : 1; i < dims.Length; i++)
            if (divisors[i] > 1 && StaticOf(old.Type.Shape[i]) % divisors[i] != 0)
                throw new PassException($"weight '{old.Owner!.Attributes.GetString("name")}' {old.Type.Shape} cannot be split {divisors[i]} ways along axis {i}");
        var op = IrBuilder.Create(CoreOps.Weight, Array.Empty<Value?>(), old.Owner!.Attributes, new[] { new TensorType(old.Type.DType, new Shape(dims)) },
            span: old.Owner.Span);
        _weightHome[old].Append(op);
        _weights[old] = (divisors, op.Result);
        _map[old] = op.Result;
        return op.Result;
    }

    private long StaticOf(DimExpr d) =>
        d.Evaluate(_param, _ => null) ?? throw new PassException($"parallelize needs static weight shapes; run canonicalize first ({d})");

    private Value Replicated(Value oldOperand, Region dst, Operation origin) =>
        IsWeight(oldOperand) ? Weight(oldOperand, Divisors(oldOperand, -1, 1)) : Replicate(Lookup(oldOperand), dst, origin);

    private void Bind(Operation old, Operation neu, params Shard[] shards)
    {
        for (int i = 0; i < old.Results.Count; i++)
        {
            _map[old.Results[i]] = neu.Results[i];
            _shards[neu.Results[i]] = i < shards.Length ? shards[i] : shards.Length > 0 ? shards[0] : Shard.Replicated;
        }
    }

    // ---------------------------------------------------------------- op rules

    private void Rewrite(Operation op, Region dst)
    {
        var d = op.Def;
        if (d.Structure == OpStructure.Weight) { _weightHome[op.Result] = dst; _declaredWeights.Add(op.Result); return; }
        if (d.Dialect == "comm") throw new PassException("the module is already parallelized");
        if (d.Structure == OpStructure.Call) throw new PassException("parallelize needs a flat module: run 'inline' first");
        if (d.Structure == OpStructure.Input) { Bind(op, Emit(dst, d, Array.Empty<Value?>(), op.Attributes, op, op.Results.Select(r => r.Type).ToArray())); return; }
        if (d.Structure == OpStructure.Output) { Emit(dst, d, new Value?[] { Replicated(op.Operands[0], dst, op) }, op.Attributes, op, Array.Empty<TensorType>()); return; }
        if (d.Structure == OpStructure.Loop) { RewriteRepeat(op, dst); return; }
        switch (d.Shard)
        {
            case ShardRule.Gemm: RewriteMatMul(op, dst); return;
            case ShardRule.Embedding: RewriteEmbedding(op, dst); return;
            case ShardRule.Heads: RewriteAttention(op, dst); return;
            case ShardRule.LatentHeads: RewriteMla(op, dst); return;
            case ShardRule.Experts: RewriteExperts(op, dst); return;
            case ShardRule.View: RewriteReshape(op, dst); return;
            case ShardRule.StateHeads: RewriteStateHeads(op, dst); return;
        }
        if (TryKeepPartial(op, dst)) return;
        if (TryKeepSplit(op, dst)) return;
        // Anything else runs on replicated operands.
        var slots = op.Slots.Select(v => v is null ? null : Replicated(v, dst, op)).ToArray();
        Bind(op, Emit(dst, d, slots, op.Attributes, op, d.Infer is null ? op.Results.Select(r => r.Type).ToArray() : null));
    }

    /// <summary>A sum of two branches (<see cref="FusionRole.Sum"/>) whose operands are both partial sums over the same ranks
    /// stays a partial sum: one all-reduce of the total replaces one per branch. This is how engines reduce a shared
    /// expert beside the routed ones (SGLang's and vLLM's <c>SharedFusedMoE</c>, TensorRT-LLM's DeepseekV3 MoE: the shared
    /// expert's row-parallel output is added to the routed experts' partial output before the layer's one all-reduce). A
    /// replicated operand or a weight (a bias) cannot join a partial sum: it would be added once per rank.</summary>
    private bool TryKeepPartial(Operation op, Region dst)
    {
        if (op.Def.Fusion != FusionRole.Sum) return false;
        Shard? common = null;
        var slots = new Value?[op.Slots.Count];
        for (int i = 0; i < op.Slots.Count; i++)
        {
            var v = op.Slots[i];
            if (v is null) continue;
            if (IsWeight(v)) return false;
            var nv = Lookup(v);
            var s = ShardOf(nv);
            if (!s.IsPartial || common is { } c && !c.Equals(s)) return false;
            common = s;
            slots[i] = nv;
        }
        if (common is not { } partial) return false;
        var neu = Emit(dst, op.Def, slots, op.Attributes, op);
        Bind(op, neu, partial);
        return true;
    }

    /// <summary>Ops that work on each element or each head independently keep a split that is not over the axis they reduce.</summary>
    private bool TryKeepSplit(Operation op, Region dst)
    {
        var d = op.Def;
        var inputs = op.Slots.Where(v => v is not null && !IsWeight(v)).Select(v => Lookup(v!)).ToList();
        var split = inputs.Select(ShardOf).FirstOrDefault(s => s.IsSplit);
        if (!split.IsSplit) return false;
        int lastAxis = op.Slots[0]!.Type.Rank - 1;
        bool perElement = d.Shard == ShardRule.Pointwise;
        bool perRow = d.Shard == ShardRule.PerRow && split.Axis != lastAxis;
        bool cache = d.Shard == ShardRule.PerHead && split.Axis >= 2;
        if (!perElement && !perRow && !cache) return false;
        var slots = new Value?[op.Slots.Count];
        for (int i = 0; i < op.Slots.Count; i++)
        {
            var v = op.Slots[i];
            if (v is null) continue;
            if (IsWeight(v))
            {
                // A vector over the split axis (a bias) is split with it; per-head norm weights stay whole.
                bool alongSplit = v.Type.Rank == 1 && split.Axis == lastAxis;
                slots[i] = Weight(v, alongSplit ? Divisors(v, 0, split.Parts) : Divisors(v, -1, 1));
                continue;
            }
            var nv = Lookup(v);
            var s = ShardOf(nv);
            if (s.Equals(split)) { slots[i] = nv; continue; }
            return FallbackReplicate(op, dst);
        }
        var neu = Emit(dst, d, slots, op.Attributes, op);
        Bind(op, neu, neu.Results.Select(_ => split).ToArray());
        return true;
    }

    private bool FallbackReplicate(Operation op, Region dst)
    {
        var slots = op.Slots.Select(v => v is null ? null : Replicated(v, dst, op)).ToArray();
        Bind(op, Emit(dst, op.Def, slots, op.Attributes, op));
        return true;
    }

    private void RewriteReshape(Operation op, Region dst)
    {
        var x = Lookup(op.Operands[0]);
        var s = ShardOf(x);
        var outShape = op.Attributes.GetShape("shape")!;
        if (s.IsSplit && ReshapeAxis.Map(op.Operands[0].Type.Shape, outShape, s.Axis, s.Parts) is { } m && m.Parts == s.Parts)
        {
            var dims = outShape.Dims.ToArray();
            dims[m.Axis] = DimExpr.Of(StaticOf(dims[m.Axis]) / m.Parts);
            Bind(op, Emit(dst, op.Def, new Value?[] { x }, op.Attributes.With("shape", Attr.Shape(new Shape(dims))), op), Shard.Split(m.Axis, m.Parts));
            return;
        }
        Bind(op, Emit(dst, op.Def, new Value?[] { Replicate(x, dst, op) }, op.Attributes, op));
    }

    private void RewriteMatMul(Operation op, Region dst)
    {
        var xOld = op.Operand("x")!; var wOld = op.Operand("w")!;
        bool transposed = op.Attributes.GetBool("transpose_w") == true;
        int kAxis = transposed ? 1 : 0, nAxis = transposed ? 0 : 1;
        var x = Lookup(xOld);
        var sx = ShardOf(x);
        int last = xOld.Type.Rank - 1;
        if (!IsWeight(wOld))
        {
            Bind(op, Emit(dst, op.Def, new Value?[] { Replicate(x, dst, op), Replicated(wOld, dst, op) }, op.Attributes, op));
            return;
        }
        if (sx.IsSplit && sx.Axis == last && !_pinned.Contains(wOld))
        {
            // Row-parallel: each GPU multiplies its slice of the features; the partial sums are all-reduced.
            var w = Weight(wOld, Divisors(wOld, kAxis, sx.Parts));
            var partial = Emit(dst, op.Def, new Value?[] { x, w }, op.Attributes, op).Result;
            _shards[partial] = Shard.Partial(sx.Parts);
            Stats["row_parallel"]++;
            // The partial sums are all-reduced where a whole value is first needed (Replicate), so a sum of two
            // row-parallel branches reduces once (TryKeepPartial).
            _map[op.Result] = partial;
            return;
        }
        x = Replicate(x, dst, op);
        int parts = _o.Tp > 1 && !_pinned.Contains(wOld) ? _lookahead.Parts(op.Result, last, _o.Tp) : 0;
        var n = StaticOf(wOld.Type.Shape[nAxis]);
        if (parts > 1 && n % parts == 0)
        {
            var w = Weight(wOld, Divisors(wOld, nAxis, parts));
            Stats["column_parallel"]++;
            Bind(op, Emit(dst, op.Def, new Value?[] { x, w }, op.Attributes, op), Shard.Split(last, parts));
            return;
        }
        if (_o.Tp > 1) Stats["replicated_matmuls"]++;
        Bind(op, Emit(dst, op.Def, new Value?[] { x, Weight(wOld, Divisors(wOld, -1, 1)) }, op.Attributes, op));
    }

    private void RewriteEmbedding(Operation op, Region dst)
    {
        var table = op.Operand("table")!;
        var ids = Replicated(op.Operand("ids")!, dst, op);
        long vocab = StaticOf(table.Type.Shape[0]);
        if (_o.Tp > 1 && vocab % _o.Tp == 0 && IsWeight(table) && !_pinned.Contains(table))
        {
            // Vocabulary-parallel: each GPU holds a slice of the rows; lookups outside it give zero; all-reduce.
            var partial = Emit(dst, op.Def, new Value?[] { ids, Weight(table, Divisors(table, 0, _o.Tp)) }, op.Attributes, op).Result;
            _shards[partial] = Shard.Partial(_o.Tp);
            _map[op.Result] = Replicate(partial, dst, op);
            return;
        }
        Bind(op, Emit(dst, op.Def, new Value?[] { ids, Replicated(table, dst, op) }, op.Attributes, op));
    }

    private void RewriteAttention(Operation op, Region dst)
    {
        var q = Lookup(op.Operand("q")!);
        var sq = ShardOf(q);
        if (!(sq.IsSplit && sq.Axis == 2))
        {
            FallbackReplicate(op, dst);
            return;
        }
        long hq = StaticOf(op.Operand("q")!.Type.Shape[2]), hkv = StaticOf(op.Operand("k")!.Type.Shape[2]);
        if (hq % _o.Tp != 0) throw new PassException($"tp={_o.Tp} does not divide the {hq} attention heads");
        if (hkv % _o.Tp != 0 && _o.Tp % hkv != 0)
            throw new PassException($"tp={_o.Tp} and the {hkv} KV heads do not divide one another (each GPU must hold whole KV heads)");
        Value KeyOrValue(string slot)
        {
            var v = Lookup(op.Operand(slot)!);
            var s = ShardOf(v);
            return s.IsSplit && s.Axis == 2 ? v : Replicate(v, dst, op);
        }
        var slots = new Value?[op.Slots.Count];
        slots[0] = q;
        slots[1] = KeyOrValue("k");
        slots[2] = KeyOrValue("v");
        if (op.Operand("sinks") is { } sinks) slots[3] = Weight(sinks, Divisors(sinks, 0, sq.Parts));
        if (op.Operand("rel_bias") is { } rb) slots[4] = Weight(rb, Divisors(rb, 1, sq.Parts));
        Bind(op, Emit(dst, op.Def, slots, op.Attributes, op), sq);
    }

    /// <summary>A recurrent mixer split by heads: every activation operand split on axis 2 with the same parts (one with a
    /// single head there, Mamba's shared B and C, may be replicated), its per-head weights split along their first axis,
    /// a <c>groups</c> attribute divided by the parts. Anything else runs replicated.</summary>
    private void RewriteStateHeads(Operation op, Region dst)
    {
        var split = Shard.Replicated;
        var slots = new Value?[op.Slots.Count];
        for (int i = 0; i < op.Slots.Count; i++)
        {
            if (op.Slots[i] is not { } v || IsWeight(v)) continue;
            var nv = Lookup(v);
            var s = ShardOf(nv);
            bool shared = s.IsReplicated && v.Type.Rank > 2 && v.Type.Shape[2].AsConst == 1;
            if (!shared && !(s.IsSplit && s.Axis == 2 && (split.IsReplicated || s.Equals(split)))) { FallbackReplicate(op, dst); return; }
            if (!shared) split = s;
            slots[i] = nv;
        }
        var attrs = op.Attributes;
        if (op.Def.FindAttr("groups") is not null)
        {
            long groups = op.Attributes.GetInt("groups")?.Evaluate(_param, _ => null) ?? 1;
            if (!split.IsSplit || groups % split.Parts != 0) { FallbackReplicate(op, dst); return; }
            attrs = attrs.With("groups", Attr.Int(groups / split.Parts));
        }
        if (!split.IsSplit) { FallbackReplicate(op, dst); return; }
        for (int i = 0; i < op.Slots.Count; i++)
            if (op.Slots[i] is { } w && IsWeight(w)) slots[i] = Weight(w, Divisors(w, 0, split.Parts));
        Bind(op, Emit(dst, op.Def, slots, attrs, op), split);
    }

    private void RewriteMla(Operation op, Region dst)
    {
        var qn = Lookup(op.Operand("q_nope")!); var qr = Lookup(op.Operand("q_rope")!);
        var s = ShardOf(qn);
        if (!(s.IsSplit && s.Axis == 2 && ShardOf(qr).Equals(s)))
        {
            FallbackReplicate(op, dst);
            return;
        }
        // The compressed latent is not split: every GPU holds the whole cache and expands its own heads.
        var w = op.Operand("w_kv_b")!;
        var slots = new Value?[]
        {
            qn, qr, Replicated(op.Operand("c_kv")!, dst, op), Replicated(op.Operand("k_rope")!, dst, op), Weight(w, Divisors(w, 1, s.Parts)),
        };
        Bind(op, Emit(dst, op.Def, slots, op.Attributes, op), s);
    }

    /// <summary>
    /// MoE: the experts' slots (logical experts plus redundant replicas) are split <c>ep</c> ways over the
    /// tp x dp GPUs of the layer, and each expert further (expert-TP) over the rest of that group. How the
    /// tokens meet their experts (docs/passes.md, "MoE communication"):
    /// <list type="bullet">
    /// <item>every GPU holds every token (dp = 1): each runs its experts' share of every token and an
    /// all-reduce sums the partial outputs (Megatron's MoE tensor parallelism);</item>
    /// <item>all-to-all (experts whole, ep = tp x dp): the tensor-parallel ranks of a replica, which hold the same
    /// tokens, each take 1/tp of them (<c>comm.shard</c>), so a token is dispatched once per expert-parallel group;
    /// dispatch and combine all-to-alls carry them to and from their experts' GPUs (DeepEP); an all-gather over tp
    /// makes the layer's output whole again;</item>
    /// <item>all-gather: every GPU gathers every replica's tokens over dp, runs its experts' share of all of them,
    /// and a reduce-scatter over dp (then an all-reduce over tp) returns each replica its tokens' sums
    /// (TensorRT-LLM's attention-DP MoE).</item>
    /// </list>
    /// </summary>
    private void RewriteExperts(Operation op, Region dst)
    {
        long experts = StaticOf(op.Operand("w_up")!.Type.Shape[0]);
        int ep = _o.Ep, etp = _o.ExpertTp, group = _o.MoeGroup;
        long slots = experts + _o.Redundant;
        if (slots % ep != 0) throw new PassException($"ep={ep} does not divide the {experts} experts + {_o.Redundant} redundant");
        long hidden = StaticOf(op.Operand("w_up")!.Type.Shape[2]);
        if (hidden % etp != 0) throw new PassException($"the {etp}-way expert tensor parallelism (tp x dp / ep) does not divide the expert hidden size {hidden}");
        var x = Replicated(op.Operand("x")!, dst, op);
        var weights = Replicated(op.Operand("weights")!, dst, op);
        var indices = Replicated(op.Operand("indices")!, dst, op);
        long k = StaticOf(op.Operand("indices")!.Type.Shape.Last);
        var comm = group == 1 ? (MoeCommunication?)null : _o.Dp == 1 ? null : _o.EffectiveMoeComm;
        var attrs = op.Attributes;
        if (ep > 1) attrs = attrs.With("ep", Attr.Int(ep));
        if (_o.Redundant > 0) attrs = attrs.With("redundant", Attr.Int(_o.Redundant));
        if (comm == MoeCommunication.AllToAll)
        {
            if (_o.Tp > 1)
            {
                (x, weights, indices) = (TpShare(x, dst, op), TpShare(weights, dst, op), TpShare(indices, dst, op));
            }
            x = Collective(dst, CommOps.AllToAll, x, op, ("group", Attr.Int(group)), ("axis", Attr.Str("ep")), ("fanout", Attr.Int(k)));
            attrs = attrs.With("token_groups", Attr.Int(group));
        }
        else if (comm == MoeCommunication.AllGather)
        {
            (x, weights, indices) = (GatherReplicas(x, dst, op), GatherReplicas(weights, dst, op), GatherReplicas(indices, dst, op));
        }
        var slotsOf = new Value?[op.Slots.Count];
        slotsOf[0] = x; slotsOf[1] = weights; slotsOf[2] = indices;
        for (int i = 3; i < op.Slots.Count; i++)
        {
            var w = op.Slots[i];
            if (w is null) continue;
            var div = Divisors(w, -1, 1);
            // Expert-TP: each weight slot declares the axis it splits (MoeOps).
            if (op.Def.Operands[i].Weight?.SplitAxis is { } axis) div[axis] = etp;
            slotsOf[i] = IsWeight(w) ? Weight(w, div, slots / ep) : Replicate(Lookup(w), dst, op);
        }
        var y = Emit(dst, op.Def, slotsOf, attrs, op).Result;
        // A partial sum over the tensor-parallel ranks is left for where it is next used whole, so a shared expert's partial
        // output joins it first and one all-reduce serves both (TryKeepPartial; vLLM's and SGLang's DeepseekV2MoE add the
        // shared output to the routed experts' unreduced output and all-reduce once, with or without expert parallelism).
        var shard = Shard.Replicated;
        if (comm == MoeCommunication.AllToAll)
        {
            y = Collective(dst, CommOps.AllToAll, y, op, ("group", Attr.Int(group)), ("axis", Attr.Str("ep")), ("fanout", Attr.Int(k)));
            if (_o.Tp > 1) y = Collective(dst, CommOps.AllGather, y, op, ("group", Attr.Int(_o.Tp)), ("axis", Attr.Str("tp")), ("dim", Attr.Int(0)));
        }
        else if (comm == MoeCommunication.AllGather)
        {
            // Each GPU holds its experts' partial output for every replica's tokens: sum over the replicas, keeping
            // this replica's rows. What is left is a partial sum over the replica's tensor-parallel ranks.
            y = Collective(dst, CommOps.ReduceScatter, y, op, ("group", Attr.Int(_o.Dp)), ("axis", Attr.Str("dp")), ("dim", Attr.Int(0)));
            if (_o.Tp > 1) shard = Shard.Partial(_o.Tp);
        }
        else if (group > 1)
            // dp = 1, so the layer's group is the tensor-parallel ranks: every GPU computed its experts' (or expert
            // slices') share of every token, a partial sum over those ranks.
            shard = Shard.Partial(group);
        _map[op.Result] = y;
        _shards[y] = shard;
    }

    /// <summary>This tensor-parallel rank's share of a replica's token rows (a view).</summary>
    private Value TpShare(Value v, Region dst, Operation origin) =>
        Emit(dst, CommOps.Shard, new Value?[] { v }, IrBuilder.Attrs(("group", Attr.Int(_o.Tp)), ("axis", Attr.Str("tp")), ("dim", Attr.Int(0))), origin).Result;

    /// <summary>Every data-parallel replica's token rows, gathered along the first axis.</summary>
    private Value GatherReplicas(Value v, Region dst, Operation origin) =>
        Collective(dst, CommOps.AllGather, v, origin, ("group", Attr.Int(_o.Dp)), ("axis", Attr.Str("dp")), ("dim", Attr.Int(0)));

    private void RewriteRepeat(Operation op, Region dst)
    {
        // The carried residual stream is replicated at layer boundaries.
        var inits = op.Operands.Select(v => Replicated(v, dst, op)).ToArray();
        var body = new Region();
        var src = op.Regions[0];
        for (int i = 0; i < src.Arguments.Count; i++)
        {
            var arg = body.AddArgument(inits[i].Type);
            _map[src.Arguments[i]] = arg;
            _shards[arg] = Shard.Replicated;
        }
        foreach (var inner in src.Ops)
        {
            if (inner.Def.Structure == OpStructure.Yield)
            {
                var values = inner.Operands.Select(v => (Value?)Replicated(v, body, inner)).ToArray();
                foreach (var w in _declaredWeights.Where(w => _weightHome[w] == body && !_weights.ContainsKey(w)).ToList())
                    Weight(w, Divisors(w, -1, 1));
                Emit(body, CoreOps.Yield, values, null, inner, Array.Empty<TensorType>());
                continue;
            }
            Rewrite(inner, body);
        }
        Bind(op, Emit(dst, CoreOps.Repeat, inits, op.Attributes, op, regions: new[] { body }));
    }
}
