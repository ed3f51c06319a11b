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

    /// <summary>
    /// The most times a repeat body may run per step, nested repeat counts multiplied. Every analysis
    /// counts, and the interpreter executes, a body that often: a million runs is far beyond any real
    /// model (Llama 3 405B repeats its layer 126 times) and keeps an execution of it bounded.
    /// </summary>
    public const long MaxRepeatRuns = 1 << 20;

    /// <summary>
    /// The most parameters a model may have, every repeat and call counted: 10^15, about a thousand times
    /// the largest models described today. Below 2^53, so the double sums of <see cref="ModelStats"/> are
    /// exact integers, and products with a few bytes per parameter stay far inside a long.
    /// </summary>
    public const long MaxParameters = 1_000_000_000_000_000;

    /// <summary>Ops once inlined, how often the body runs at most, and parameters (saturating at long.MaxValue).</summary>
    private readonly record struct Size(long Ops, long Multiplicity, long Params);

    public static IReadOnlyList<Diagnostic> Check(Module m)
    {
        var diagnostics = new List<Diagnostic>();
        var param = IrBuilder.Resolver(m);
        var memo = new Dictionary<string, Size>();
        var inProgress = new HashSet<string>();
        bool overflowReported = false, runsReported = false;

        // The module body is walked op by op, so the diagnostic points at the call (or repeat) of the model
        // that takes the expansion over the limit.
        long total = 0, parameters = 0;
        foreach (var op in m.Body.Ops)
        {
            var s = OfOp(op);
            total = Add(total, s.Ops);
            if (total > MaxExpandedOps)
            {
                diagnostics.Add(DiagnosticCatalog.ModelTooLarge.At(op.Span, m.Name, Count(total), MaxExpandedOps));
                break;
            }
            var before = parameters;
            parameters = Add(parameters, s.Params);
            if (parameters > MaxParameters && before <= MaxParameters)
                diagnostics.Add(DiagnosticCatalog.TooManyParameters.At(op.Span, m.Name, Count(parameters), "10^15"));
        }
        return diagnostics;

        Size OfRegion(Region r)
        {
            long ops = 0, mult = 1, parameters = 0;
            foreach (var op in r.Ops)
            {
                var s = OfOp(op);
                ops = Add(ops, s.Ops);
                mult = Math.Max(mult, s.Multiplicity);
                parameters = Add(parameters, s.Params);
            }
            return new Size(ops, mult, parameters);
        }

        Size OfOp(Operation op)
        {
            long ops = 1, mult = 1, parameters = 0;
            if (op.Def.Structure == OpStructure.Weight) return new Size(1, 1, Elements(op, param));
            if (op.Def.Structure == OpStructure.Call)
            {
                var callee = (op.Attributes.Get("callee") as SymbolAttr)?.Name;
                var f = callee is null ? null : m.FindFunction(callee);
                if (f is not null)
                {
                    if (!memo.TryGetValue(f.Name, out var fs))
                    {
                        // A recursive call is the verifier's error to report; here it adds nothing.
                        if (!inProgress.Add(f.Name)) return new Size(1, 1, 0);
                        fs = OfRegion(f.Body);
                        inProgress.Remove(f.Name);
                        memo[f.Name] = fs;
                    }
                    ops = Add(ops, fs.Ops);
                    mult = fs.Multiplicity;
                    parameters = fs.Params;
                }
                return new Size(ops, mult, parameters);
            }
            long count = 1;
            if (op.Def.Structure == OpStructure.Loop)
                try { count = Math.Max(1, op.Attributes.GetInt("count")?.Evaluate(param, _ => null) ?? 1); }
                catch (ArithmeticException) { }
            foreach (var region in op.Regions)
            {
                var s = OfRegion(region);
                ops = Add(ops, s.Ops);
                long m1;
                bool overflowed = false;
                try { m1 = checked(count * s.Multiplicity); }
                catch (OverflowException)
                {
                    if (!overflowReported)
                        diagnostics.Add(DiagnosticCatalog.IntegerOverflow.At(op.Span,
                            $"{count} * {s.Multiplicity} (the repeat count times the runs of its body)"));
                    overflowReported = overflowed = true;
                    m1 = long.MaxValue;
                }
                if (m1 > MaxRepeatRuns && !overflowed && !runsReported)
                {
                    diagnostics.Add(DiagnosticCatalog.RepeatTooLong.At(op.Span, m1, MaxRepeatRuns));
                    runsReported = true;
                }
                mult = Math.Max(mult, m1);
                parameters = Add(parameters, Multiply(count, s.Params));
            }
            return new Size(ops, mult, parameters);
        }
    }

    /// <summary>A weight's elements, saturating at long.MaxValue; 0 when a dimension does not evaluate (the verifier says why).</summary>
    private static long Elements(Operation weight, Func<string, long?> param)
    {
        long n = 1;
        foreach (var d in weight.Result.Type.Shape.Dims)
        {
            long? v;
            try { v = d.Evaluate(param, _ => null); }
            catch (ArithmeticException) { return 0; }
            if (v is not > 0) return 0;
            n = Multiply(n, v.Value);
        }
        return n;
    }

    private static string Count(long n) => n == long.MaxValue ? "more than 2^63" : n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Saturating arithmetic on non-negative counts: a total never wraps around to a small or negative number.
    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long Multiply(long a, long b) => a == 0 || b == 0 ? 0 : a > long.MaxValue / b ? long.MaxValue : a * b;
}
