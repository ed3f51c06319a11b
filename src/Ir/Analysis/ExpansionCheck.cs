using System;
using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Ir.Analysis;

/// <summary>
/// Bounds what a module becomes once it is expanded the way <see cref="ModelWalker"/> and the inline pass
/// expand it: every call copies its function's body, and every op counts as often as the repeats around it
/// run. Both grow multiplicatively, so a small file can describe an unbounded model: forty blocks that each
/// call the next twice inline to 2^40 ops, and nested repeats can run more than 2^63 times. Each function is
/// measured once (memoized), so the check itself is linear in the IR.
/// </summary>
public static class ExpansionCheck
{
    /// <summary>
    /// The most ops a module may have once every call is inlined (repeat bodies count once). Inlining keeps
    /// the whole expansion in memory and every analysis walks it, so an unbounded expansion is a hang or an
    /// out-of-memory crash. A million ops is far beyond any real model: the largest sample, DeepSeek-V3,
    /// inlines to about 120 ops.
    /// </summary>
    public const long MaxExpandedOps = 1 << 20;

    private readonly record struct Size(long Ops, long Multiplicity);

    public static IReadOnlyList<Diagnostic> Check(Module m)
    {
        var diagnostics = new List<Diagnostic>();
        var param = IrBuilder.Resolver(m);
        var memo = new Dictionary<string, Size>();
        var inProgress = new HashSet<string>();
        bool overflowReported = false;

        // The module body is walked op by op, so the diagnostic points at the call (or repeat) of the model
        // that takes the expansion over the limit.
        long total = 0;
        foreach (var op in m.Body.Ops)
        {
            var s = OfOp(op);
            total = Add(total, s.Ops);
            if (total > MaxExpandedOps)
            {
                diagnostics.Add(DiagnosticCatalog.ModelTooLarge.At(op.Span, m.Name, total == long.MaxValue ? "more than 2^63" : total.ToString(), MaxExpandedOps));
                break;
            }
        }
        return diagnostics;

        Size OfRegion(Region r)
        {
            long ops = 0, mult = 1;
            foreach (var op in r.Ops)
            {
                var s = OfOp(op);
                ops = Add(ops, s.Ops);
                mult = Math.Max(mult, s.Multiplicity);
            }
            return new Size(ops, mult);
        }

        Size OfOp(Operation op)
        {
            long ops = 1, mult = 1;
            if (op.Def == CoreOps.Call)
            {
                var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
                var f = callee is null ? null : m.FindFunction(callee);
                if (f is not null)
                {
                    if (!memo.TryGetValue(f.Name, out var fs))
                    {
                        // A recursive call is the verifier's error to report; here it adds nothing.
                        if (!inProgress.Add(f.Name)) return new Size(1, 1);
                        fs = OfRegion(f.Body);
                        inProgress.Remove(f.Name);
                        memo[f.Name] = fs;
                    }
                    ops = Add(ops, fs.Ops);
                    mult = fs.Multiplicity;
                }
                return new Size(ops, mult);
            }
            long count = 1;
            if (op.Def == CoreOps.Repeat)
                try { count = Math.Max(1, op.Attributes.GetInt("count")?.Evaluate(param, _ => null) ?? 1); }
                catch (ArithmeticException) { }
            foreach (var region in op.Regions)
            {
                var s = OfRegion(region);
                ops = Add(ops, s.Ops);
                long m1;
                try { m1 = checked(count * s.Multiplicity); }
                catch (OverflowException)
                {
                    if (!overflowReported)
                        diagnostics.Add(DiagnosticCatalog.IntegerOverflow.At(op.Span,
                            $"{count} * {s.Multiplicity} (the repeat count times the runs of its body)"));
                    overflowReported = true;
                    m1 = long.MaxValue;
                }
                mult = Math.Max(mult, m1);
            }
            return new Size(ops, mult);
        }
    }

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
