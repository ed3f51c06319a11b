using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Ilgpu.Kernels;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Ilgpu.Lowering.Fusion;

/// <summary>
/// A region of pointwise ops only (add/sub/mul, activations, casts, clamped SwiGLU) with one result
/// becomes one launch of the elementwise program kernel: each element is loaded once per input,
/// every step runs in registers, one value is stored. Inputs must be the result's size or broadcast
/// along leading axes (a suffix of its shape), at most four, and the chain must fit eight registers.
/// </summary>
internal static class ElementwiseProgramPattern
{
    private const int Registers = 8, Inputs = 4;

    public static void Apply(TraceContext c, FusionPlan plan)
    {
        var ops = plan.Region.Ops.Where(o => !o.Def.IsTerminator).ToArray();
        var yielded = plan.Region.Terminator?.Operands ?? Array.Empty<Value>();
        if (ops.Length < 2 || yielded.Count != 1 || ops.Any(plan.IsCovered) || !ops.All(o => IsPointwise(c, o))) return;
        var result = yielded[0];
        var outDims = c.Dims(result.Type.Shape);
        var inputs = new List<Value>();
        var code = new List<int>();
        var parameters = new List<float> { 0f };
        var register = new Dictionary<Value, int>();
        var lastUse = new Dictionary<Value, int>();
        for (int i = 0; i < ops.Length; i++)
            foreach (var v in ops[i].Operands) lastUse[v] = i;
        var free = new SortedSet<int>(Enumerable.Range(0, Registers));

        int Load(Value v)
        {
            if (register.TryGetValue(v, out var reg)) return reg;
            if (plan.Producer(v) is not null) throw new InvalidOperationException("an intermediate is read before it is computed");
            int slot = inputs.IndexOf(v);
            if (slot < 0) { slot = inputs.Count; inputs.Add(v); }
            if (slot >= Inputs || free.Count == 0) return -1;
            reg = free.Min; free.Remove(reg);
            register[v] = reg;
            code.AddRange(new[] { ProgramOp.Load0 + slot, reg, 0, 0, 0 });
            return reg;
        }

        for (int i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            var operands = op.Operands.ToArray();
            if (operands.Any(v => plan.Producer(v) is null && !IsSuffix(c.Dims(v.Type.Shape), outDims))) return;
            var regs = operands.Select(Load).ToArray();
            if (regs.Any(r => r < 0)) return;
            foreach (var v in operands.Distinct())
                if (lastUse[v] == i && v != result) { free.Add(register[v]); }
            if (free.Count == 0) return;
            int dst = free.Min; free.Remove(dst);
            register[op.Result] = dst;
            int s1 = regs[0], s2 = regs.Length > 1 ? regs[1] : 0;
            if (op.Def.Fusion == FusionRole.Gate)
            {
                parameters.Add((float)c.Float(op, "alpha")); parameters.Add((float)c.Float(op, "limit"));
                code.AddRange(new[] { ProgramOp.SwigluClamped, dst, s1, s2, parameters.Count - 2 });
            }
            else if (op.Def.Fusion == FusionRole.Convert)
            {
                parameters.Add(NnLowering.RoundCode(c, op, c.DType(op, "dtype")!));
                code.AddRange(new[] { ProgramOp.Cast, dst, s1, 0, parameters.Count - 1 });
            }
            else if (Pointwise.IsBinary(op))
                code.AddRange(new[] { Pointwise.ProgramStep(op), dst, s1, s2, 0 });
            else
            {
                Pointwise.TryActivation(c, op, out var act, out var param);
                parameters.Add(param);
                code.AddRange(new[] { ProgramOp.ActivationBase + act, dst, s1, 0, parameters.Count - 1 });
            }
        }
        if (!register.TryGetValue(result, out var last)) return;
        // The kernel stores register 0.
        if (last != 0) code.AddRange(new[] { ProgramOp.ActivationBase + Activation.None, 0, last, 0, 0 });
        var program = code.ToArray();
        var values = parameters.ToArray();
        var sources = inputs.ToArray();
        plan.Claim("elementwise", ops, ops.Select(o => o.Result).Where(v => v != result).ToArray(), () =>
        {
            var xs = sources.Select(v => c.Data(c.Get(v))).ToArray();
            var y = c.NewActivation(outDims);
            c.Set(result, y);
            var deviceCode = c.Weights.Ints(program);
            var deviceParams = c.Weights.Floats(values);
            long Len(int i) => i < xs.Length ? Math.Max(1, xs[i].Count) : 1;
            var p = new ProgramArgs { Count = y.Count, Length = program.Length / 5, Len0 = Len(0), Len1 = Len(1), Len2 = Len(2), Len3 = Len(3) };
            c.Emit("fused elementwise", xs, new[] { y }, r => r.Kernels.Program(xs.Select(r.View).ToArray(), r.View(y), deviceCode, deviceParams, p));
        });
    }

    private static bool IsPointwise(TraceContext c, Operation op) =>
        Pointwise.IsBinary(op) || op.Def.Fusion == FusionRole.Gate || Pointwise.TryActivation(c, op, out _, out _) ||
        (op.Def.Fusion == FusionRole.Convert && c.DType(op, "dtype") is { } t && t.BlockSize == 0 && t.Kind != Ir.Types.ElementKind.Int);

    /// <summary>True when an input of shape <paramref name="a"/> broadcasts to <paramref name="output"/> by
    /// repeating along leading axes only, so element i of the output reads element i mod |a|.</summary>
    private static bool IsSuffix(int[] a, int[] output)
    {
        var trimmed = a.SkipWhile(d => d == 1).ToArray();
        return trimmed.Length <= output.Length && trimmed.SequenceEqual(output.Skip(output.Length - trimmed.Length));
    }
}
