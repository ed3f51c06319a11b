using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Execution;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// Two or three projections of the same x (q, k, v), each reshaped to heads and optionally rotated:
/// one GEMM over the stacked weights writes [q | k | v] per token and one split launch cuts the row
/// into the three tensors, applying RoPE to the rotated pieces on the way.
/// </summary>
internal static class QkvPattern
{
    private sealed record Piece(Operation MatMul, Operation Reshape, Operation? Rope, int Heads, int HeadDim)
    {
        public Value Output => (Rope ?? Reshape).Result;
    }

    public static void Apply(TraceContext c, FusionPlan plan)
    {
        var byInput = plan.Region.Ops.Where(o => o.Def.Fusion == FusionRole.Gemm && !plan.IsCovered(o) && plan.IsStoredWeight(o.Operand("w")!))
            .GroupBy(o => (o.Operand("x")!, c.Bool(o, "transpose_w"), c.DType(o, "act_dtype")?.Name));
        foreach (var group in byInput)
        {
            var pieces = group.Select(mm => Match(c, plan, mm)).ToList();
            if (pieces.Count is < 2 or > 3 || pieces.Any(p => p is null)) continue;
            var ps = pieces.Select(p => p!).ToArray();
            int headDim = ps[0].HeadDim;
            if (ps.Any(p => p.HeadDim != headDim)) continue;
            var ropes = ps.Where(p => p.Rope is not null).Select(p => NnLowering.RopeKeyOf(c, p.Rope!, headDim)).Distinct().ToArray();
            if (ropes.Length > 1) continue;
            var key = ropes.FirstOrDefault();
            bool transpose = group.Key.Item2;
            var stacked = c.Weights.Stacked(ps.Select(p => (plan.Argument(p.MatMul.Operand("w")!)!.WeightName!, !transpose)).ToArray());
            if (stacked is null) continue;
            var members = ps.SelectMany(p => new[] { p.MatMul, p.Reshape, p.Rope }).Where(o => o is not null).Select(o => o!).ToArray();
            var internals = ps.SelectMany(p => p.Rope is null ? new[] { p.MatMul.Result } : new[] { p.MatMul.Result, p.Reshape.Result }).ToArray();
            var x = group.Key.Item1;
            plan.Claim("qkv", members, internals, () => Emit(c, LinearLowering.GemmInput(c, ps[0].MatMul, c.Data(c.Get(x))), ps, stacked, key));
        }
    }

    private static Piece? Match(TraceContext c, FusionPlan plan, Operation mm)
    {
        // Identity on purpose (here and for RoPE below): the kernel implements exactly gemm -> reshape to heads -> rope.
        if (plan.OnlyConsumer(mm.Result) is not { } reshape || reshape.Def != NnOps.Reshape || plan.IsCovered(reshape)) return null;
        var dims = c.Dims(reshape.Result.Type.Shape);
        if (dims.Length != 4) return null;
        var rope = plan.OnlyConsumer(reshape.Result) is { } r && r.Def == NnOps.Rope && !plan.IsCovered(r) ? r : null; // the RoPE the kernel applies (see above)
        return new Piece(mm, reshape, rope, dims[2], dims[3]);
    }

    private static void Emit(TraceContext c, TValue x, Piece[] pieces, Weights.DeviceWeight stacked, RopeKey? key)
    {
        int width = stacked.Packed.Rows, rows = (int)x.Rows;
        var both = c.NewActivation(new[] { rows, width });
        var w = new WeightOperand(_ => stacked.View, stacked.Packed.Rows, stacked.Packed.Cols, Array.Empty<TValue>());
        LinearLowering.EmitMatmul(c, "fused qkv", x, w, both, EpilogueSpec.None);
        var outputs = pieces.Select(p =>
        {
            var y = c.NewActivation(c.Dims(p.Output.Type.Shape));
            c.Set(p.Output, y);
            return y;
        }).ToArray();
        int seq = outputs[0].Shape[1];
        var args = new SplitRopeArgs { Rows = rows, Width = width, Seq = seq, HeadDim = pieces[0].HeadDim, Half = key is null ? 0 : key.Dims / 2, Pieces = pieces.Length };
        int start = 0;
        for (int i = 0; i < pieces.Length; i++)
        {
            int rope = pieces[i].Rope is null ? 0 : 1;
            if (i == 0) (args.Start0, args.Heads0, args.Rope0) = (start, pieces[i].Heads, rope);
            else if (i == 1) (args.Start1, args.Heads1, args.Rope1) = (start, pieces[i].Heads, rope);
            else (args.Start2, args.Heads2, args.Rope2) = (start, pieces[i].Heads, rope);
            start += pieces[i].Heads * pieces[i].HeadDim;
        }
        if (start != width) throw new InvalidOperationException($"the q/k/v pieces cover {start} of the {width} stacked columns");
        c.Emit("fused qkv split+rope", new[] { both }, outputs, r =>
        {
            var p = args;
            p.Past = r.Past;
            var (cos, sin) = key is null ? (r.Kernels.None, r.Kernels.None) : r.Rope.Get(key, r.Past + seq);
            var o = outputs.Select(r.View).ToArray();
            r.Kernels.SplitRope(r.View(both), o[0], o[1], o.Length > 2 ? o[2] : r.Kernels.None, cos, sin, p);
        });
    }
}
