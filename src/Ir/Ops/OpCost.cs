using System;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Ops;

/// <summary>The shape of a GEMM, M x K times K x N, for shape-dependent efficiency.</summary>
public sealed class GemmShape
{
    public GemmShape(Poly m, long k, long n) { M = m; K = k; N = n; }
    public Poly M { get; }
    public long K { get; }
    public long N { get; }
}

/// <summary>Routed-expert work: <see cref="Tokens"/> tokens each pick <see cref="TopK"/> of
/// <see cref="Experts"/> experts; which experts (and so which weight bytes) are touched depends on the
/// routing, which the cost model decides (uniform by default, or from statistics).</summary>
public sealed class MoeWork
{
    public MoeWork(long experts, long topK, Poly tokens, double bytesPerExpert, double flopsPerTokenExpert, long localExperts, long tokenGroups)
    {
        Experts = experts; TopK = topK; Tokens = tokens; BytesPerExpert = bytesPerExpert; FlopsPerTokenExpert = flopsPerTokenExpert;
        LocalExperts = localExperts; TokenGroups = tokenGroups;
    }
    /// <summary>Experts of the whole layer (routing is over these).</summary>
    public long Experts { get; }
    /// <summary>Expert slots this GPU holds (Experts / ep without replication; with redundant experts some
    /// slots hold replicas).</summary>
    public long LocalExperts { get; }
    /// <summary>Expert slots of the whole layer: Experts plus the redundant replicas.</summary>
    public long Slots { get; init; }
    /// <summary>Elements of one token row (the model's hidden size): each token-expert copy is a row this wide.</summary>
    public long RowWidth { get; init; }
    /// <summary>The expert intermediate size on this GPU (w_up's columns after expert tensor parallelism splits them): the
    /// width of the hidden activation each token-expert copy has between the two grouped GEMMs.</summary>
    public long ExpertHidden { get; init; }
    /// <summary>Whether the experts are gated (w_gate beside w_up), so the first GEMM writes 2 x <see cref="ExpertHidden"/> per copy.</summary>
    public bool Gated { get; init; }
    /// <summary>Bytes of one element of the token rows (x's type), the type the engines' MoE buffers hold.</summary>
    public double ElementBytes { get; init; }
    /// <summary>How many GPUs' worth of tokens the routing group spans, relative to this op's rows
    /// (expert parallelism across data-parallel attention replicas sends every replica's tokens).</summary>
    public long TokenGroups { get; }
    public long TopK { get; }
    /// <summary>Token rows of this op's input (this GPU's tokens).</summary>
    public Poly Tokens { get; }
    /// <summary>Weight bytes of one local expert as held on this GPU.</summary>
    public double BytesPerExpert { get; }
    public double FlopsPerTokenExpert { get; }
}

/// <summary>What one execution of an op costs, as polynomials in batch, seq and ctx.</summary>
public sealed class OpCost
{
    public OpClass Class { get; init; }
    public Poly Flops { get; init; } = Poly.Zero;
    /// <summary>Weight bytes read (for routed experts: all of them; see <see cref="Moe"/>).</summary>
    public Poly WeightBytes { get; init; } = Poly.Zero;
    /// <summary>Activation bytes read and written.</summary>
    public Poly ActivationBytes { get; init; } = Poly.Zero;
    /// <summary>The part of <see cref="ActivationBytes"/> the op moves between passes of its own, which no IR value
    /// carries (a fused MoE's token copies and hidden activations, written and read back between its grouped GEMMs):
    /// fusing the op with its neighbours does not keep it on chip, so a fused kernel keeps it.</summary>
    public Poly InternalBytes { get; init; } = Poly.Zero;
    /// <summary>KV-cache bytes read and appended.</summary>
    public Poly KvBytes { get; init; } = Poly.Zero;
    /// <summary>Payload of a collective per GPU (the message each member contributes).</summary>
    public Poly CommBytes { get; init; } = Poly.Zero;
    public GemmShape? Gemm { get; init; }
    public MoeWork? Moe { get; init; }

    public Poly TotalBytes => WeightBytes + ActivationBytes + KvBytes;
    public static readonly OpCost Free = new();
}

/// <summary>The phase being costed, for ops whose best algorithm differs (MLA absorbs its up-projection
/// at decode and expands it at prefill, as serving engines do).</summary>
public enum CostPhase { Any, Prefill, Decode }

/// <summary>What an op's cost function sees: the op, the module's parameter values and the phase.</summary>
public sealed class CostContext
{
    private readonly Func<string, long?> _param;

    public CostContext(Operation op, Func<string, long?> param, CostPhase phase = CostPhase.Any) { Op = op; _param = param; Phase = phase; }

    public Operation Op { get; }
    public Func<string, long?> ParamResolver => _param;
    public CostPhase Phase { get; }

    public TensorType Type(string slot) => Op.Operand(slot)?.Type ?? throw new InvalidOperationException($"{Op.Name}: no operand {slot}");
    public TensorType ResultType(int i = 0) => Op.Results[i].Type;

    public Poly P(DimExpr d) => Poly.From(d, _param) ?? throw new InvalidOperationException($"{Op.Name}: unresolved parameter in {d}");

    public long Static(DimExpr d) =>
        d.Evaluate(_param, _ => null) ?? throw new InvalidOperationException($"{Op.Name}: '{d}' is not static");

    public Poly Numel(TensorType t) => t.Shape.Dims.Aggregate(Poly.Const(1), (acc, d) => acc * P(d));
    public Poly Bytes(TensorType t) => Numel(t) * t.DType.BytesPerElement;
    public Poly Bytes(Value? v) => v is null ? Poly.Zero : Bytes(v.Type);

    /// <summary>Product of all dimensions but the last: the number of rows (tokens, for activations).</summary>
    public Poly Rows(TensorType t) => t.Shape.Dims.Take(t.Rank - 1).Aggregate(Poly.Const(1), (acc, d) => acc * P(d));

    public long Int(string attr)
    {
        var a = Op.Attributes.Get(attr) ?? Op.Def.FindAttr(attr)?.Default;
        return a is IntAttr i ? Static(i.Value) : 0;
    }

    public double Float(string attr) => Op.Attributes.GetFloat(attr) ?? (Op.Def.FindAttr(attr)?.Default as FloatAttr)?.Value ?? 0;
    public bool Bool(string attr) => Op.Attributes.GetBool(attr) ?? (Op.Def.FindAttr(attr)?.Default as BoolAttr)?.Value ?? false;
    public string? Str(string attr) => Op.Attributes.GetString(attr) ?? (Op.Def.FindAttr(attr)?.Default as StrAttr)?.Value;
}
