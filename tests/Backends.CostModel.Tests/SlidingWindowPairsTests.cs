using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Ops;
using GraphDsl.Passes.Parallelize;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>Sliding-window attention under the causal mask: the FLOPs the cost plan gives gpt-oss-120b's 128-token
/// windowed attention against a brute-force count of the keys each query sees.</summary>
public class SlidingWindowPairsTests
{
    /// <summary>S new queries at the end of T keys: query i (position T - S + i) sees min(W, T - S + i + 1) keys.</summary>
    private static long BruteForcePairs(long s, long t, long w)
    {
        long pairs = 0;
        for (long i = 0; i < s; i++) pairs += Math.Min(w, t - s + i + 1);
        return pairs;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 128)]
    [InlineData(1, 129)]
    [InlineData(1, 5000)]
    [InlineData(5, 10)]
    [InlineData(100, 128)]
    [InlineData(100, 200)]
    [InlineData(127, 130)]
    [InlineData(128, 300)]
    [InlineData(200, 200)]
    [InlineData(300, 300)]
    [InlineData(2048, 2048)]
    [InlineData(64, 4096)]
    public void Windowed_attention_flops_count_the_keys_each_query_sees(long seq, long ctx)
    {
        var compiled = CompiledDeployment.Compile(Models.Sample("gpt-oss-120b"), new Deployment(new ParallelLayout()), "fuse{attention=false}", new GraphDsl.Ir.Diagnostics.DiagnosticBag())!;
        foreach (var plan in new[] { compiled.PrefillPlan, compiled.DecodePlan })
        {
            var atoms = new double[plan.Atoms.Count];
            plan.Atoms.Evaluate(2, seq, ctx, atoms);
            var windowed = plan.Entries.Where(e => e.Source?.Def == AttentionOps.Attention).ToList();
            // One sliding (128-token window) and one full attention per repeated layer pair.
            Assert.Equal(new long[] { 0, 128 }, windowed.Select(e => e.Source!.Attributes.GetInt("window")?.AsConst ?? 0).OrderBy(w => w));
            foreach (var e in windowed)
            {
                var op = e.Source!;
                long window = op.Attributes.GetInt("window")?.AsConst ?? 0;
                long heads = op.Operands[0].Type.Shape[2].AsConst!.Value, dk = op.Operands[0].Type.Shape[3].AsConst!.Value;
                long dv = op.Operand("v")!.Type.Shape[3].AsConst!.Value;
                long pairs = window > 0 ? BruteForcePairs(seq, ctx, window) : seq * ctx - seq * (seq - 1) / 2;
                double expected = 2 * heads * pairs * (2.0 * dk + 2.0 * dv + 5);
                Assert.Equal(expected, e.Flops.Evaluate(atoms), 6);
            }
        }
    }
}
