using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Types;
using static GraphDsl.Ir.Ops.Spec;

namespace GraphDsl.Ir.Ops;

/// <summary>
/// Collectives inserted by the parallelize pass. The IR after parallelize is the program of one GPU
/// (shapes are per-GPU shards); each collective names the size of its group and the parallel axis it
/// runs over (tp, ep, dp, pp), from which the cost model decides which link it crosses.
/// </summary>
public static class CommOps
{
    private static readonly AttrSpec Group = Int("group", "number of GPUs in the group");
    private static readonly AttrSpec Axis = Choice("axis", "the parallel dimension the group spans", "tp", "tp", "ep", "dp", "pp");

    public static readonly OpDef AllReduce = new("comm.all_reduce", "Sums x over the group; every member gets the sum (after row-parallel matmuls).")
    {
        Operands = L(In("x")),
        Attrs = L(Group, Axis),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = c => CheckGroup(c) ? new[] { c.Operand("x") } : null,
        Cost = c => new OpCost { Class = OpClass.Communication, CommBytes = c.Bytes(c.Type("x")) },
        Example = "%9 = comm.all_reduce %8 {group = 8} : bf16[batch, seq, 4096]",
    };

    public static readonly OpDef AllGather = new("comm.all_gather", "Concatenates the members' shards of x along `dim`.")
    {
        Operands = L(In("x")),
        Attrs = L(Group, Axis, Int("dim", "axis gathered (negative counts from the end)", -1)),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = c => CheckGroup(c) ? new[] { Resize(c, true) } : null,
        Cost = c => new OpCost { Class = OpClass.Communication, CommBytes = c.Bytes(c.ResultType()) },
    };

    public static readonly OpDef ReduceScatter = new("comm.reduce_scatter", "Sums x over the group and leaves each member one shard along `dim`.")
    {
        Operands = L(In("x")),
        Attrs = L(Group, Axis, Int("dim", "axis scattered (negative counts from the end)", -1)),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = c => CheckGroup(c) ? new[] { Resize(c, false) } : null,
        Cost = c => new OpCost { Class = OpClass.Communication, CommBytes = c.Bytes(c.Type("x")) },
    };

    public static readonly OpDef AllToAll = new("comm.all_to_all",
        "Exchanges token rows among the group (MoE dispatch and combine): each row goes to `fanout` destinations, a share (group-1)/group of them remote.")
    {
        Operands = L(In("x")),
        Attrs = L(Group, Choice("axis", "the parallel dimension the group spans", "ep", "tp", "ep", "dp", "pp"),
            Int("fanout", "copies of each row sent (top_k for dispatch, 1 for combine)", 1)),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = c => CheckGroup(c) ? new[] { c.Operand("x") } : null,
        Cost = c => new OpCost { Class = OpClass.Communication, CommBytes = c.Bytes(c.Type("x")) * c.Int("fanout") },
    };

    public static readonly OpDef Shard = new("comm.shard",
        "Keeps this GPU's 1/group share of a value replicated over the group, along `dim`: a view, nothing moves (the inverse of " +
        "comm.all_gather). Tensor-parallel ranks that hold the same tokens each dispatch their own share to the experts.")
    {
        Operands = L(In("x")),
        Attrs = L(Group, Axis, Int("dim", "axis split (negative counts from the end)", 0)),
        Traits = OpTraits.None,
        Class = OpClass.None,
        Callable = false,
        Infer = c => CheckGroup(c) ? new[] { Resize(c, false) } : null,
        Cost = _ => OpCost.Free,
        Example = "%s = comm.shard %x {group = 4, axis = \"tp\", dim = 0} : bf16[batch / 4, seq, 7168]",
    };

    public static readonly OpDef Send = new("comm.send", "Sends x to the next pipeline stage; ends stage `stage`.")
    {
        Operands = L(In("x")),
        Attrs = L(Int("stage", "the pipeline stage this ends (0-based)")),
        ResultNames = L<string>(),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = _ => new TensorType[0],
        Cost = c => new OpCost { Class = OpClass.Communication, CommBytes = c.Bytes(c.Type("x")) },
    };

    public static readonly OpDef Recv = new("comm.recv", "Receives the activations the previous stage sent; starts stage `stage`.")
    {
        Structure = OpStructure.StageStart,
        Operands = L(In("x", "the value sent (identifies the transfer)")),
        Attrs = L(Int("stage", "the pipeline stage this starts")),
        Traits = OpTraits.None,
        Class = OpClass.None,
        Callable = false,
        Infer = c => new[] { c.Operand("x") },
        // The transfer is costed once, on the send.
        Cost = _ => OpCost.Free,
    };

    /// <summary>The synchronous collectives <see cref="Start"/> can launch asynchronously.</summary>
    public static readonly OpDef[] Asyncable = { AllReduce, AllGather, ReduceScatter, AllToAll };

    public static OpDef? ByShortName(string name) => Asyncable.FirstOrDefault(d => d.Name == "comm." + name);

    public static readonly OpDef Start = new("comm.start",
        "Launches a collective asynchronously on the communication stream; its result may only be read through comm.wait. " +
        "Ops between the start and the wait overlap with the transfer.")
    {
        Structure = OpStructure.AsyncStart,
        Operands = L(In("x")),
        Attrs = L(RequiredChoice("collective", "which collective", "all_reduce", "all_gather", "reduce_scatter", "all_to_all"),
            Int("group", "number of GPUs in the group"), Choice("axis", "the parallel dimension the group spans", "tp", "tp", "ep", "dp", "pp"),
            Int("dim", "axis gathered or scattered", -1), Int("fanout", "copies of each row sent (all_to_all)", 1),
            Bool("fused", "fused with its producer GEMM (T3/TokenWeave-style): chunks are sent as the GEMM writes them", false),
            Float("sm_share", "share of the GPU's SMs the collective occupies while it overlaps compute", 0.0)),
        Traits = OpTraits.None,
        Class = OpClass.Communication,
        Callable = false,
        Infer = c =>
        {
            var def = ByShortName(c.Str("collective") ?? "");
            if (def is null) { c.Error(DiagnosticCatalog.InvalidAttribute, "comm.start: unknown collective"); return null; }
            var inner = new InferContext(def, new[] { c.Operand("x") }, c.Attrs.Without("collective").Without("fused").Without("sm_share")
                .Map(a => a), _ => null);
            var t = def.Infer!(inner);
            foreach (var e in inner.Errors) c.Errors.Add(e);
            return t;
        },
        Cost = c => new OpCost
        {
            Class = OpClass.Communication,
            CommBytes = c.Str("collective") switch
            {
                "all_gather" => c.Bytes(c.ResultType()),
                "all_to_all" => c.Bytes(c.Type("x")) * c.Int("fanout"),
                _ => c.Bytes(c.Type("x")),
            },
        },
        Example = "%h = comm.start %y {collective = \"all_reduce\", group = 8} : bf16[batch, seq, 4096]\n...\n%z = comm.wait %h : bf16[batch, seq, 4096]",
    };

    public static readonly OpDef Wait = new("comm.wait", "Waits for an asynchronous collective and gives its result.")
    {
        Structure = OpStructure.AsyncWait,
        Operands = L(In("handle", "the result of a comm.start")),
        Traits = OpTraits.None,
        Class = OpClass.None,
        Callable = false,
        Infer = c => new[] { c.Operand("handle") },
        Cost = _ => OpCost.Free,
    };

    public static readonly OpDef[] All = { AllReduce, AllGather, ReduceScatter, AllToAll, Shard, Send, Recv, Start, Wait };

    private static bool CheckGroup(InferContext c)
    {
        var g = c.Int("group");
        if (g is null || g < 1) { c.Error(DiagnosticCatalog.InvalidAttribute, $"{c.Def.Name}: group must be a positive integer"); return false; }
        return true;
    }

    private static TensorType Resize(InferContext c, bool gather)
    {
        var x = c.Operand("x");
        var dim = (int)(c.Int("dim") ?? -1);
        var axis = dim < 0 ? x.Rank + dim : dim;
        var g = DimExpr.Of(c.Int("group")!.Value);
        var dims = x.Shape.Dims.ToArray();
        // Gathering the shards of a split (x / g) gives x back: the split was into g equal parts.
        dims[axis] = gather && dims[axis] is BinDim { Op: DimOp.Div } split && split.Right.AsConst == g.AsConst
            ? split.Left
            : (gather ? dims[axis] * g : dims[axis] / g).Simplify();
        return new TensorType(x.DType, new Shape(dims));
    }
}
