using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using GraphDsl.Ir.Shapes;
using GraphDsl.Ir.Transforms;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Core;

namespace GraphDsl.Passes.Overlap;

/// <summary>
/// Hides communication behind independent compute.
/// <c>mode=nanobatch</c> (NanoFlow, DeepSeek/SGLang two-batch overlap): each layer group's batch is split into
/// N nano-batches that flow through the layers side by side; collectives become asynchronous
/// (<c>comm.start</c> ... <c>comm.wait</c>) and the nano-batches' ops are interleaved so one nano-batch's
/// collective runs while another's GEMMs run. The split has its own cost, which the cost model counts:
/// smaller GEMMs and weights read once per nano-batch.
/// <c>mode=fused-collective</c> (T3, TokenWeave, FlashMoE): a collective that follows a GEMM becomes
/// asynchronous and fused with it, sending chunks as the GEMM writes them, on a share of the SMs.
/// The verifier checks the result: no value is read before its wait.
/// </summary>
public sealed class OverlapPass : IPass
{
    public static readonly PassInfo PassInfo = new("overlap",
        "Overlap collectives with compute: split the batch into nano-batches and interleave them, or fuse collectives with their GEMMs.",
        OverlapOptions.Declared,
        new[] { "collectives_async", "repeats_split" });

    private readonly OverlapMode _mode;
    private readonly int _n;
    private readonly double _smShare;

    public OverlapPass(OverlapOptions options)
    {
        _mode = options.Mode;
        _n = options.Nanobatches;
        _smShare = options.SmShare;
    }

    public PassInfo Info => PassInfo;

    public PassResult Run(Module module)
    {
        if (module.Functions.Count > 0) throw new PassException("overlap needs a flat module: run 'inline' first");
        if (_mode == OverlapMode.NanoBatch && (_n < 1 || _n > OverlapOptions.MaxNanobatches)) throw new PassException($"nanobatches must be between 1 and {OverlapOptions.MaxNanobatches} (got {_n})");
        if (_smShare < 0 || _smShare > 0.5) throw new PassException($"sm_share must be in [0, 0.5] (got {_smShare})");
        var stats = new Dictionary<string, long> { ["collectives_async"] = 0, ["repeats_split"] = 0 };
        var result = _mode == OverlapMode.FusedCollective ? FuseCollectives(module, stats) : NanoBatch(module, stats);
        // The cost model and the runtime need to know the batch must split evenly.
        if (stats["repeats_split"] > 0) result.Attributes = result.Attributes.With("nanobatches", Attr.Int(_n));
        return new PassResult(result, stats["collectives_async"] + stats["repeats_split"] > 0, stats);
    }

    internal static bool IsSyncCollective(Operation op) => CommOps.Asyncable.Contains(op.Def);

    internal static Operation StartFor(Operation collective, Value input, TensorType resultType, double smShare, bool fused)
    {
        var attrs = collective.Attributes.With("collective", Attr.Str(collective.Def.Name.Substring("comm.".Length))).With("sm_share", Attr.Float(smShare));
        if (fused) attrs = attrs.With("fused", Attr.Bool(true));
        return IrBuilder.Create(CommOps.Start, new Value?[] { input }, attrs, new[] { resultType }, span: collective.Span);
    }

    internal static Operation WaitFor(Operation start) =>
        IrBuilder.Create(CommOps.Wait, new Value?[] { start.Result }, span: start.Span);

    // ------------------------------------------------------------------ fused collectives

    private Module FuseCollectives(Module module, Dictionary<string, long> stats)
    {
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (!IsSyncCollective(op)) return null;
            var producer = op.Operands[0].Owner;
            bool afterGemm = producer is not null && (IsGemm(producer) || (producer.Def.Structure == OpStructure.Kernel && producer.Regions[0].Ops.Any(IsGemm)));
            if (!afterGemm) return null;
            var start = StartFor(op, cloner.Lookup(op.Operands[0]), cloner.Type(op.Result.Type), _smShare, fused: true);
            var wait = WaitFor(start);
            dst.Append(start);
            dst.Append(wait);
            stats["collectives_async"]++;
            return wait.Results;
        };
        return IrCloner.CloneModule(module, cloner);
    }

    // ------------------------------------------------------------------ nano-batches

    private Module NanoBatch(Module module, Dictionary<string, long> stats)
    {
        if (_n == 1) return module;
        var cloner = new IrCloner();
        cloner.Hook = (op, dst) =>
        {
            if (op.Def.Structure != OpStructure.Loop || op.ParentRegion != module.Body) return null;
            if (op.Operands.Any(v => !NanoBatchedRepeat.IsBatchMajor(v.Type))) return null;
            // A value read from outside with the batch on another axis cannot be sliced per nano-batch.
            if (op.Regions[0].Captures().Any(v => !NanoBatchedRepeat.Splittable(v.Type))) return null;
            // Without a collective there is nothing to hide, and splitting would only re-read the weights.
            if (!op.Regions[0].Walk().Any(IsSyncCollective)) return null;
            stats["repeats_split"]++;
            return new NanoBatchedRepeat(op, _n, _smShare, cloner, dst, stats).Build();
        };
        return IrCloner.CloneModule(module, cloner);
    }

    private static bool IsGemm(Operation op) => op.Def.Fusion is FusionRole.Gemm or FusionRole.Experts;
}
