using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Runtime;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;
using ILGPU.Runtime;

namespace GraphDsl.Backends.Ilgpu.Lowering;

/// <summary>Inputs (uploaded at the start of a run), weights (by full name), outputs, repeats (the body
/// traced once per iteration), calls, single-member collectives and nano-batch slicing.</summary>
internal static class StructuralLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (CoreOps.Input, Input), (CoreOps.Weight, Weight), (CoreOps.Output, Output), (CoreOps.Repeat, Repeat), (CoreOps.Call, Call),
        (CoreOps.Yield, (_, _) => { }), (CoreOps.Return, (_, _) => { }),
        (CommOps.AllReduce, SingleMember), (CommOps.AllGather, SingleMember), (CommOps.ReduceScatter, SingleMember),
        (CommOps.AllToAll, SingleMember), (CommOps.Shard, SingleMember), (CommOps.Start, SingleMember),
        (CommOps.Wait, (c, op) => c.Set(op.Result, c.In(op, "handle"))),
        (CommOps.Send, (_, _) => { }), (CommOps.Recv, (c, op) => c.Set(op.Result, c.In(op, "x"))),
        (NnOps.BatchSlice, BatchSlice), (NnOps.BatchConcat, BatchConcat),
    };

    private static void Input(TraceContext c, Operation op)
    {
        var name = c.Str(op, "name");
        var slot = c.NewActivation(c.Dims(op.Result.Type.Shape));
        var t = new TValue(slot.Shape) { Slot = slot.Slot, InputName = name };
        c.Set(op.Result, t);
        c.Emit("input " + name, Array.Empty<TValue>(), new[] { t }, r =>
        {
            var data = r.Inputs[name];
            HostTransfer.Upload(data, r.View(t));
        });
    }

    private static void Weight(TraceContext c, Operation op)
    {
        var name = c.WeightPath(c.Str(op, "name"));
        c.Weights.DeclaredType(name);
        c.Set(op.Result, new TValue(c.Dims(op.Result.Type.Shape)) { WeightName = name });
    }

    private static void Output(TraceContext c, Operation op)
    {
        var name = c.Str(op, "name");
        if (c.Outputs.ContainsKey(name)) throw c.Error(op, $"output '{name}' is produced twice");
        var value = c.Data(c.In(op, "value"));
        if (value.Slot is null)
        {
            var copy = c.NewActivation(value.Shape);
            c.Emit("output copy", new[] { value }, new[] { copy }, r => r.Kernels.Copy2D(r.View(value), r.View(copy), 1, (int)value.Count, 0, 0));
            value = copy;
        }
        value.Slot!.Pinned = true;
        c.Outputs[name] = value;
    }

    private static void Repeat(TraceContext c, Operation op)
    {
        long count = c.Int(op, "count"), offset = c.Int(op, "offset");
        var name = c.Str(op, "name");
        IReadOnlyList<TValue> carried = op.VariadicOperands.Select(c.Get).ToArray();
        for (long i = 0; i < count; i++)
        {
            var iteration = name + "." + (offset + i).ToString(CultureInfo.InvariantCulture);
            carried = c.RunRegion(op.Regions[0], carried, c.Path.Length == 0 ? iteration : c.Path + "." + iteration, seesOuter: true);
        }
        for (int i = 0; i < op.Results.Count; i++) c.Set(op.Results[i], carried[i]);
    }

    private static void Call(TraceContext c, Operation op)
    {
        var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name ?? throw c.Error(op, "has no callee");
        var function = c.Module.FindFunction(callee) ?? throw c.Error(op, $"calls @{callee}, which the module does not define");
        var name = op.Attributes.GetString("name") ?? callee;
        var results = c.RunRegion(function.Body, op.VariadicOperands.Select(c.Get).ToArray(), c.WeightPath(name), seesOuter: false);
        for (int i = 0; i < op.Results.Count; i++) c.Set(op.Results[i], results[i]);
    }

    private static void SingleMember(TraceContext c, Operation op)
    {
        if (c.Int(op, "group") != 1) throw c.Error(op, "spans several GPUs; the ILGPU backend runs one device (run before parallelize, or with groups of 1)");
        c.Set(op.Result, c.In(op, "x"));
    }

    private static void BatchSlice(TraceContext c, Operation op)
    {
        var x = c.Data(c.In(op, "x"));
        long index = c.Int(op, "index"), count = c.Int(op, "count");
        int batch = x.Shape[0];
        if (count < 1 || index < 0 || index >= count || batch % count != 0) throw c.Error(op, $"slice {index} of {count} does not divide the batch of {batch}");
        var y = c.Result(op);
        long inner = x.Count / Math.Max(1, batch), size = batch / count;
        c.Emit(op.Name, new[] { x }, new[] { y }, r => r.Kernels.Copy2D(r.View(x), r.View(y), 1, (int)(size * inner), 0, 0, index * size * inner, 0));
    }

    private static void BatchConcat(TraceContext c, Operation op)
    {
        var xs = op.VariadicOperands.Select(v => c.Data(c.Get(v))).ToArray();
        var y = c.Result(op);
        c.Emit(op.Name, xs, new[] { y }, r =>
        {
            long at = 0;
            foreach (var x in xs) { r.Kernels.Copy2D(r.View(x), r.View(y), 1, (int)x.Count, 0, 0, 0, at); at += x.Count; }
        });
    }
}
