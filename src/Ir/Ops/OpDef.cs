using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;

namespace GraphDsl.Ir.Ops;

public enum OperandKind { Required, Optional, Variadic }

/// <summary>A named operand slot. Optional operands print as <c>name=%v</c>; a variadic slot comes last.</summary>
public sealed class OperandSpec
{
    public OperandSpec(string name, OperandKind kind, string doc, WeightUse? weight = null) { Name = name; Kind = kind; Doc = doc; Weight = weight; }
    public string Name { get; }
    public OperandKind Kind { get; }
    public string Doc { get; }
    /// <summary>What a weight read through this slot is to the op (its initialisation, whether it is a GEMM's matrix); null: nothing declared.</summary>
    public WeightUse? Weight { get; }

    /// <summary>This slot, declaring what a weight in it is.</summary>
    public OperandSpec Reads(WeightUse weight) => new(Name, Kind, Doc, weight);
}

public enum AttrKind { Int, Float, Bool, String, DType, Shape, Symbol, IntList }

/// <summary>A typed attribute with its default; <see cref="Choices"/> restricts a string to a set.</summary>
public sealed class AttrSpec
{
    public AttrSpec(string name, AttrKind kind, string doc, Attr? defaultValue = null, bool required = false, IReadOnlyList<string>? choices = null)
    {
        Name = name; Kind = kind; Doc = doc; Default = defaultValue; Required = required; Choices = choices;
    }
    public string Name { get; }
    public AttrKind Kind { get; }
    public string Doc { get; }
    public Attr? Default { get; }
    public bool Required { get; }
    public IReadOnlyList<string>? Choices { get; }

    public bool Accepts(Attr a) => Kind switch
    {
        AttrKind.Int => a is IntAttr,
        AttrKind.Float => a is FloatAttr || a is IntAttr { Value: Shapes.ConstDim },
        AttrKind.Bool => a is BoolAttr,
        AttrKind.String => a is StrAttr s && (Choices is null || Choices.Contains(s.Value)),
        AttrKind.DType => a is DTypeAttr,
        AttrKind.Shape => a is ShapeAttr,
        AttrKind.Symbol => a is SymbolAttr,
        AttrKind.IntList => a is ListAttr l && l.Items.All(i => i is IntAttr),
        _ => false,
    };

    public string KindText => Kind switch
    {
        AttrKind.Int => "int",
        AttrKind.Float => "float",
        AttrKind.Bool => "bool",
        AttrKind.String => Choices is null ? "string" : "one of " + string.Join("|", Choices),
        AttrKind.DType => "dtype",
        AttrKind.Shape => "shape",
        AttrKind.Symbol => "function name",
        _ => "list of ints",
    };
}

[Flags]
public enum OpTraits
{
    None = 0,
    /// <summary>No side effects: dead results may be removed, equal ops merged.</summary>
    Pure = 1,
    Terminator = 2,
    /// <summary>Applies to each element independently (candidate for epilogue fusion).</summary>
    Elementwise = 4,
    Commutative = 8,
    /// <summary>Part of the model's interface (inputs, weights, outputs); never removed.</summary>
    Interface = 16,
    /// <summary>Keeps state between steps (the KV cache).</summary>
    Stateful = 32,
}

/// <summary>The broad class of work an op does, which selects the cost model's efficiency factor.</summary>
public enum OpClass { None, Gemm, GroupedGemm, Attention, Elementwise, Norm, Memory, Routing, Communication }

/// <summary>
/// The single declaration of an op: name, operands, attributes, results, traits, type inference and
/// cost. The IR printer and parser, the verifier, the frontend's builtin calls, the cost model and the
/// docs all read this record, so an op is described in exactly one place.
/// </summary>
public sealed class OpDef
{
    public OpDef(string name, string summary)
    {
        Name = name;
        Summary = summary;
    }

    public string Name { get; }
    public string Dialect => Name.Substring(0, Name.IndexOf('.'));
    public string Summary { get; }
    public string Example { get; init; } = "";
    public IReadOnlyList<OperandSpec> Operands { get; init; } = Array.Empty<OperandSpec>();
    public IReadOnlyList<AttrSpec> Attrs { get; init; } = Array.Empty<AttrSpec>();
    /// <summary>Names of the results, for docs and multi-result binding; the count may also come from <see cref="Infer"/>.</summary>
    public IReadOnlyList<string> ResultNames { get; init; } = new[] { "result" };
    public int RegionCount { get; init; }
    public OpTraits Traits { get; init; } = OpTraits.Pure;
    public OpClass Class { get; init; } = OpClass.None;
    /// <summary>Computes result types from operand types and attributes, reporting problems to the
    /// context. Null means the result types are stated by the op (inputs, weights, calls, repeats).</summary>
    public Func<InferContext, IReadOnlyList<TensorType>?>? Infer { get; init; }
    /// <summary>FLOPs and bytes as functions of the dynamic dimensions; null for free ops.</summary>
    public Func<CostContext, OpCost>? Cost { get; init; }
    /// <summary>Operand slots holding routed-expert weights: only top_k of experts are active per token.</summary>
    public IReadOnlyList<string> RoutedWeightSlots { get; init; } = Array.Empty<string>();
    /// <summary>True when the op may be called from .moe source as <c>dialect.op(...)</c>.</summary>
    public bool Callable { get; init; } = true;

    // ---- interfaces (see OpInterfaces.cs): asked by passes and backends instead of the op's identity

    /// <summary>What the op is to the graph's structure (loops, calls, kernels, terminators, the model's interface).</summary>
    public OpStructure Structure { get; init; }

    private FusionRole? _fusion;
    private ShardRule? _shard;

    /// <summary>What the fuse pass and the ILGPU fusion patterns may do with the op; elementwise ops default to <see cref="FusionRole.Pointwise"/>.</summary>
    public FusionRole Fusion { get => _fusion ?? (IsElementwise ? FusionRole.Pointwise : FusionRole.None); init => _fusion = value; }
    /// <summary>How parallelize splits the op; elementwise ops default to <see cref="ShardRule.Pointwise"/>.</summary>
    public ShardRule Shard { get => _shard ?? (IsElementwise ? ShardRule.Pointwise : ShardRule.Replicated); init => _shard = value; }
    /// <summary>The weight operand whose format decides a GEMM's math and whose shape gives its N and K (nn.matmul's w, moe.experts' w_up); null for other ops.</summary>
    public string? ComputeWeight { get; init; }
    /// <summary>The kernel family whose fixed latency the cost model measures per device ("gemm", "moe", "attention", "mla"; the
    /// recurrent "gdn", "ssd" and "conv1d", whose prefill and decode run different kernels, measured per phase); null for the rest.</summary>
    public string? KernelKind { get; init; }
    /// <summary>The name <c>activation(x, "name")</c> selects this op by in .moe source (the first is the canonical name); empty for other ops.</summary>
    public IReadOnlyList<string> ActivationNames { get; init; } = Array.Empty<string>();

    /// <summary>Bytes of recurrent state the op keeps per sequence, constant in the context (Mamba-2's SSM state, gated
    /// DeltaNet's delta-rule state, a short convolution's last inputs); null for ops without one.</summary>
    public RecurrentStateBytes? RecurrentState { get; init; }

    /// <summary>True for the routed experts: only top_k of their experts' weights are active per token.</summary>
    public bool HasRoutedWeights => RoutedWeightSlots.Count > 0;
    /// <summary>True for state kept between steps (the KV cache, whose bytes per token the memory plan counts).</summary>
    public bool IsStateful => (Traits & OpTraits.Stateful) != 0;
    public bool IsElementwise => (Traits & OpTraits.Elementwise) != 0;
    /// <summary>True for per-element work in fusion: the pointwise roles (RoPE included).</summary>
    public bool FusesPointwise => Fusion is FusionRole.Pointwise or FusionRole.Sum or FusionRole.Product or FusionRole.Gate or FusionRole.Convert;
    /// <summary>The declared use of the weight in the slot named <paramref name="slot"/>, if any.</summary>
    public WeightUse? WeightIn(string slot) => SlotIndex(slot) is var i and >= 0 ? Operands[i].Weight : null;

    public bool IsTerminator => (Traits & OpTraits.Terminator) != 0;
    public bool IsPure => (Traits & OpTraits.Pure) != 0;
    public bool HasVariadic => Operands.Count > 0 && Operands[Operands.Count - 1].Kind == OperandKind.Variadic;

    public int SlotIndex(string name)
    {
        for (int i = 0; i < Operands.Count; i++) if (Operands[i].Name == name) return i;
        return -1;
    }

    public AttrSpec? FindAttr(string name) => Attrs.FirstOrDefault(a => a.Name == name);
}
