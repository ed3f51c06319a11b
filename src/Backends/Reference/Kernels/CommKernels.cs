using System;
using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>
/// Collectives on one process: a group of one GPU leaves its data unchanged, and a pipeline send and
/// receive hand the value over, so a module parallelized with group size 1 (or only pp) still runs.
/// Larger groups need the other GPUs' shards, which the reference interpreter does not simulate.
/// </summary>
internal static class CommKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (CommOps.AllReduce, SingleMember),
        (CommOps.AllGather, SingleMember),
        (CommOps.ReduceScatter, SingleMember),
        (CommOps.AllToAll, SingleMember),
        (CommOps.Shard, SingleMember),
        (CommOps.Start, SingleMember),
        (CommOps.Wait, c => OpKernels.One(c.Input("handle"))),
        (CommOps.Send, _ => Array.Empty<Tensor>()),
        (CommOps.Recv, c => OpKernels.One(c.Input("x"))),
    };

    private static IReadOnlyList<Tensor> SingleMember(OpCall c)
    {
        var group = c.Int("group");
        if (group != 1)
            throw c.Error($"spans a group of {group} GPUs; the reference interpreter runs one process (use it before parallelize, or with groups of 1)");
        return OpKernels.One(c.Input("x"));
    }
}
