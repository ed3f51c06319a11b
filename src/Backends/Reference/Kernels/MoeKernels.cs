using System;
using System.Collections.Generic;
using System.Linq;
using GraphDsl.Backends.Reference.Functions;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Kernels;

/// <summary>Mixture-of-experts routing (top-k with softmax or sigmoid scores, DeepSeek-V3 group
/// limits and selection bias) and the routed expert FFNs.</summary>
internal static class MoeKernels
{
    public static readonly (OpDef, OpKernel)[] All =
    {
        (MoeOps.Route, Route),
        (MoeOps.Experts, Experts),
    };

    /// <summary>
    /// Per token: scores = softmax(logits) or sigmoid(logits); selection = scores + bias. With groups
    /// G &gt; 1 a group's score is the sum of its two best selection scores; only the topk_groups best
    /// groups stay eligible. The top_k eligible experts by selection score are chosen (ties: lower
    /// index); their weights are the scores without bias, divided by their sum when norm_topk, times scale.
    /// </summary>
    private static IReadOnlyList<Tensor> Route(OpCall c)
    {
        var logits = c.Input("logits");
        var bias = c.Optional("bias");
        int e = logits.LastDim;
        int k = (int)c.Int("top_k");
        string scoring = c.Str("scoring");
        bool norm = c.Bool("norm_topk");
        double scale = c.Float("scale");
        int groups = (int)c.Int("groups"), topkGroups = (int)c.Int("topk_groups");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != e)) throw c.Error($"bias {bias.ShapeText} must be [{e}]");
        if (k < 1 || k > e) throw c.Error($"top_k = {k} must be between 1 and the {e} experts");
        if (groups < 1 || e % groups != 0 || topkGroups < 1 || topkGroups > groups)
            throw c.Error($"groups = {groups} must divide the {e} experts and topk_groups = {topkGroups} must be in 1..groups");
        if (groups > 1 && topkGroups * (e / groups) < k)
            throw c.Error($"top_k = {k} exceeds the {topkGroups * (e / groups)} experts of the {topkGroups} groups a token may use");

        int rows = logits.Rows;
        var weights = new float[rows * k];
        var indices = new float[rows * k];
        var scores = new double[e];
        var selection = new double[e];
        for (int r = 0; r < rows; r++)
        {
            int o = r * e;
            Score(logits.Data, o, e, scoring, scores, c);
            for (int i = 0; i < e; i++) selection[i] = scores[i] + (bias is null ? 0 : bias.Data[i]);
            var eligible = groups > 1 ? EligibleByGroup(selection, groups, topkGroups) : Enumerable.Range(0, e);
            var chosen = Best(eligible, selection, k);
            double sum = chosen.Sum(i => scores[i]);
            for (int j = 0; j < k; j++)
            {
                double w = scores[chosen[j]];
                if (norm) w /= sum;
                weights[r * k + j] = (float)(w * scale);
                indices[r * k + j] = chosen[j];
            }
        }
        var shape = logits.Shape;
        shape[shape.Length - 1] = k;
        return new[] { new Tensor(shape, weights), new Tensor(shape, indices) };
    }

    private static void Score(float[] logits, int offset, int e, string scoring, double[] scores, OpCall c)
    {
        switch (scoring)
        {
            case "softmax":
                double max = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < e; i++) max = Math.Max(max, logits[offset + i]);
                for (int i = 0; i < e; i++) { scores[i] = Math.Exp(logits[offset + i] - max); sum += scores[i]; }
                for (int i = 0; i < e; i++) scores[i] /= sum;
                break;
            case "sigmoid":
                for (int i = 0; i < e; i++) scores[i] = Activations.Sigmoid(logits[offset + i]);
                break;
            default:
                throw c.Error($"unknown scoring '{scoring}'");
        }
    }

    /// <summary>Experts of the topk_groups groups whose two best selection scores add up highest.</summary>
    private static IEnumerable<int> EligibleByGroup(double[] selection, int groups, int topkGroups)
    {
        int size = selection.Length / groups;
        var groupScores = new double[groups];
        for (int g = 0; g < groups; g++)
            groupScores[g] = Best(Enumerable.Range(g * size, size), selection, Math.Min(2, size)).Sum(i => selection[i]);
        var kept = Best(Enumerable.Range(0, groups), groupScores, topkGroups);
        return kept.OrderBy(g => g).SelectMany(g => Enumerable.Range(g * size, size));
    }

    /// <summary>The n candidates with the highest values; ties go to the lower index.</summary>
    private static int[] Best(IEnumerable<int> candidates, double[] values, int n) =>
        candidates.OrderByDescending(i => values[i]).ThenBy(i => i).Take(n).ToArray();

    /// <summary>
    /// out[t] = sum_j weights[t, j] * expert_{indices[t, j]}(x[t]); a gated expert is
    /// (act(x w_gate + b_gate) * (x w_up + b_up)) w_down + b_down (swiglu_clamped: nn.swiglu_clamped(gate, up)
    /// with the op's alpha and limit), a plain one act(x w_up + b_up) w_down + b_down; absent biases are zero.
    /// </summary>
    private static IReadOnlyList<Tensor> Experts(OpCall c)
    {
        Tensor x = LinearKernels.GemmInput(c, c.Input("x")), routeWeights = c.Input("weights"), routeIndices = c.Input("indices");
        Tensor up = c.Input("w_up"), down = c.Input("w_down");
        Tensor? gate = c.Optional("w_gate"), bGate = c.Optional("b_gate"), bUp = c.Optional("b_up"), bDown = c.Optional("b_down");
        if (c.Int("ep") != 1)
            throw c.Error("holds a shard of the experts (ep > 1); the reference interpreter runs unsharded modules (before parallelize)");
        c.RequireRank("w_up", up, 3); c.RequireRank("w_down", down, 3);
        int experts = up.Dim(0), dim = up.Dim(1), hidden = up.Dim(2);
        if (x.LastDim != dim || down.Dim(0) != experts || down.Dim(1) != hidden || down.Dim(2) != dim)
            throw c.Error($"x {x.ShapeText}, w_up {up.ShapeText} and w_down {down.ShapeText} do not fit together");
        if (gate is not null && !gate.SameShape(up.Shape)) throw c.Error($"w_gate {gate.ShapeText} must match w_up {up.ShapeText}");
        RequireShape(c, "b_gate", bGate, experts, hidden);
        RequireShape(c, "b_up", bUp, experts, hidden);
        RequireShape(c, "b_down", bDown, experts, dim);
        int k = routeWeights.LastDim;
        if (!routeIndices.SameShape(routeWeights.Shape) || routeWeights.Rows != x.Rows)
            throw c.Error($"routing weights {routeWeights.ShapeText} and indices {routeIndices.ShapeText} must be [..., top_k] over the {x.Rows} tokens");

        string act = c.Str("act");
        double alpha = c.Float("alpha"), limit = c.Float("limit");
        bool clamped = act == "swiglu_clamped";
        if (clamped && gate is null) throw c.Error("act = swiglu_clamped needs w_gate");
        var activation = clamped ? null : Activations.ByName(act) ?? throw c.Error($"unknown activation '{act}'");

        var ids = routeIndices.ToInts();
        var output = new float[x.Count];
        var acc = new double[dim];
        var h = new float[hidden];
        for (int t = 0; t < x.Rows; t++)
        {
            Array.Clear(acc, 0, dim);
            for (int j = 0; j < k; j++)
            {
                int e = ids[t * k + j];
                if ((uint)e >= (uint)experts) throw c.Error($"token {t} is routed to expert {e}, outside 0..{experts - 1}");
                var u = AddBias(LinearKernels.Multiply(x.Data, 1, dim, up.Data, hidden, xOffset: t * dim, wOffset: e * dim * hidden), bUp, e);
                if (gate is not null)
                {
                    var g = AddBias(LinearKernels.Multiply(x.Data, 1, dim, gate.Data, hidden, xOffset: t * dim, wOffset: e * dim * hidden), bGate, e);
                    for (int i = 0; i < hidden; i++)
                        h[i] = clamped ? (float)Activations.SwigluClamped(g[i], u[i], alpha, limit) : (float)activation!(g[i]) * u[i];
                }
                else
                    for (int i = 0; i < hidden; i++) h[i] = (float)activation!(u[i]);
                var y = AddBias(LinearKernels.Multiply(h, 1, hidden, down.Data, dim, wOffset: e * hidden * dim), bDown, e);
                double weight = routeWeights.Data[t * k + j];
                for (int i = 0; i < dim; i++) acc[i] += weight * y[i];
            }
            for (int i = 0; i < dim; i++) output[t * dim + i] = (float)acc[i];
        }
        return OpKernels.One(new Tensor(x.Shape, output));
    }

    private static void RequireShape(OpCall c, string slot, Tensor? t, int rows, int cols)
    {
        if (t is not null && (t.Rank != 2 || t.Dim(0) != rows || t.Dim(1) != cols))
            throw c.Error($"{slot} {t.ShapeText} must be [{rows}, {cols}]");
    }

    private static float[] AddBias(float[] values, Tensor? bias, int expert)
    {
        if (bias is null) return values;
        int n = values.Length;
        for (int i = 0; i < n; i++) values[i] += bias.Data[expert * n + i];
        return values;
    }
}
