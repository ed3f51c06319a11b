using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

public struct RouteArgs
{
    public int Rows, Experts, TopK;
    /// <summary>0 softmax, 1 sigmoid.</summary>
    public int Sigmoid;
    public int NormTopK, HasBias, Groups, TopKGroups;
    public float Scale;
}

/// <summary>
/// Mixture-of-experts routing and the data movement around the expert GEMMs: top-k selection per
/// token, a counting sort of the (token, slot) pairs by expert (so each expert's GEMM reads its rows
/// contiguously), and the weighted combination of the expert outputs back into token order.
/// </summary>
public static class MoeKernels
{
    public const int MaxTopK = 32;
    public const int MaxGroups = 64;

    /// <summary>
    /// One token per thread (grid-stride), scores in double as the reference computes them so exact ties
    /// resolve the same way: softmax or sigmoid; selection = score + bias; with groups, only the
    /// topk_groups groups with the highest sum of their two best selection scores stay eligible; the top_k
    /// eligible experts by selection are chosen by repeated arg-max with strict comparison (ties go to the
    /// lower index); weights are the unbiased scores, renormalized when norm_topk, times scale.
    /// </summary>
    public static void Route(ArrayView<float> logits, ArrayView<float> bias, ArrayView<float> weights, ArrayView<float> indices, RouteArgs p)
    {
        var chosen = LocalMemory.Allocate<int>(MaxTopK);
        var keptGroup = LocalMemory.Allocate<int>(MaxGroups);
        int stride = Grid.DimX * Group.DimX;
        for (int row = Grid.GlobalIndex.X; row < p.Rows; row += stride)
        {
            long o = (long)row * p.Experts;
            double max = double.NegativeInfinity, sum = 0;
            if (p.Sigmoid == 0)
            {
                for (int e = 0; e < p.Experts; e++) max = XMath.Max(max, logits[o + e]);
                for (int e = 0; e < p.Experts; e++) sum += XMath.Exp(logits[o + e] - max);
            }
            int size = p.Experts / p.Groups;
            for (int g = 0; g < p.Groups; g++) keptGroup[g] = p.Groups == 1 ? 1 : 0;
            for (int pick = 0; p.Groups > 1 && pick < p.TopKGroups; pick++)
            {
                int best = -1;
                double bestScore = 0;
                for (int g = 0; g < p.Groups; g++)
                {
                    if (keptGroup[g] != 0) continue;
                    double first = double.NegativeInfinity, second = double.NegativeInfinity;
                    for (int e = g * size; e < (g + 1) * size; e++)
                    {
                        double s = Selection(logits, bias, p, o, e, max, sum);
                        if (s > first) { second = first; first = s; }
                        else if (s > second) second = s;
                    }
                    double groupScore = size >= 2 ? first + second : first;
                    if (best < 0 || groupScore > bestScore) { best = g; bestScore = groupScore; }
                }
                keptGroup[best] = 1;
            }
            double total = 0;
            for (int j = 0; j < p.TopK; j++)
            {
                int best = -1;
                double bestScore = 0;
                for (int e = 0; e < p.Experts; e++)
                {
                    if (keptGroup[e / size] == 0) continue;
                    bool taken = false;
                    for (int c = 0; c < j; c++) taken |= chosen[c] == e;
                    if (taken) continue;
                    double s = Selection(logits, bias, p, o, e, max, sum);
                    if (best < 0 || s > bestScore) { best = e; bestScore = s; }
                }
                chosen[j] = best;
                total += Score(logits, p, o + best, max, sum);
            }
            long w = (long)row * p.TopK;
            for (int j = 0; j < p.TopK; j++)
            {
                double weight = Score(logits, p, o + chosen[j], max, sum);
                if (p.NormTopK != 0) weight /= total;
                weights[w + j] = (float)(weight * p.Scale);
                indices[w + j] = chosen[j];
            }
        }
    }

    private static double Score(ArrayView<float> logits, RouteArgs p, long at, double max, double sum)
    {
        double l = logits[at];
        if (p.Sigmoid != 0) return l >= 0 ? 1 / (1 + XMath.Exp(-l)) : XMath.Exp(l) / (1 + XMath.Exp(l));
        return XMath.Exp(l - max) / sum;
    }

    private static double Selection(ArrayView<float> logits, ArrayView<float> bias, RouteArgs p, long o, int e, double max, double sum) =>
        Score(logits, p, o + e, max, sum) + (p.HasBias != 0 ? bias[e] : 0f);

    /// <summary>
    /// Stable counting sort of the pairs (token t, slot j) = t * k + j by expert, in one thread (a step's
    /// pairs are few, and the sort is linear): offsets [experts + 1] bound each expert's rows, rowMap lists
    /// the pairs in expert order, slotOf gives each pair's row in that order (for the combine); cursor
    /// [experts] is scratch.
    /// </summary>
    public static void SortByExpert(ArrayView<float> indices, ArrayView<int> offsets, ArrayView<int> cursor, ArrayView<int> rowMap,
        ArrayView<int> slotOf, int pairs, int experts)
    {
        if (Grid.GlobalIndex.X != 0) return;
        for (int e = 0; e <= experts; e++) offsets[e] = 0;
        for (int q = 0; q < pairs; q++) offsets[(int)indices[q] + 1]++;
        for (int e = 0; e < experts; e++) offsets[e + 1] += offsets[e];
        for (int e = 0; e < experts; e++) cursor[e] = offsets[e];
        for (int q = 0; q < pairs; q++)
        {
            int e = (int)indices[q];
            int at = cursor[e];
            cursor[e] = at + 1;
            rowMap[at] = q;
            slotOf[q] = at;
        }
    }

    /// <summary>out[t, c] = residual[t, c] + sum_j weights[t, j] * y[row(t, j), c]; row is slotOf[t k + j]
    /// after a sort, else the pair itself.</summary>
    public static void Combine(ArrayView<float> y, ArrayView<float> weights, ArrayView<int> slotOf, ArrayView<float> residual,
        ArrayView<float> output, int tokens, int topK, int dim, int useSlots, int addResidual)
    {
        long count = (long)tokens * dim;
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < count; i += stride)
        {
            long t = i / dim, c = i % dim;
            float acc = 0;
            for (int j = 0; j < topK; j++)
            {
                long pair = t * topK + j;
                long row = useSlots != 0 ? slotOf[pair] : pair;
                acc += weights[pair] * y[row * dim + c];
            }
            output[i] = addResidual != 0 ? residual[i] + acc : acc;
        }
    }
}
