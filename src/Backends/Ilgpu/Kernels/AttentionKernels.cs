using ILGPU;
using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

public struct AttentionArgs
{
    public int B, S, Hq, Hkv, Dk, Dv;
    /// <summary>Keys available: the cache's length, or k's rows.</summary>
    public int T;
    /// <summary>Element strides of k and v: per batch (a cache's capacity times its row) and per key.</summary>
    public long KBatch, VBatch;
    public int KRow, VRow;
    /// <summary>Keys before this index are outside the cache's window.</summary>
    public int FirstKey;
    /// <summary>Position of key j is KeyPos + j; of query i, Past + i.</summary>
    public int KeyPos, Past;
    public int Causal, Window;
    public float Scale, Softcap;
    public int HasSinks, RelBuckets, RelBidirectional;
}

/// <summary>
/// Attention in one pass over the keys with an online softmax (flash-attention style): a group owns
/// one (sequence, query, head) at a time; its threads each score one key of a block of G keys
/// (q.k * scale, relative bias, softcap), the block's maximum rescales the running sum and the output
/// accumulator (in shared memory, one slice of dv per thread), so scores never reach device memory
/// and the cost is linear in the keys. Causal and window masks bound the key range instead of testing
/// every key; a sink logit seeds the running maximum and sum. The same kernel serves prefill (s
/// queries over keys computed in the step or cached) and decode (one query over the KV cache).
/// </summary>
public static class AttentionKernels
{
    public const int MaxDv = 1024;

    public static void Attention(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> o,
        ArrayView<float> sinks, ArrayView<float> relBias, AttentionArgs p)
    {
        var scratch = SharedMemory.Allocate<float>(GroupReduce.MaxThreads);
        var weights = SharedMemory.Allocate<float>(GroupReduce.MaxThreads);
        var acc = SharedMemory.Allocate<float>(MaxDv);
        int threads = Group.DimX, t = Group.IdxX;
        int group = p.Hq / p.Hkv;
        int items = p.B * p.S * p.Hq;
        for (int item = Grid.IdxX; item < items; item += Grid.DimX)
        {
            int h = item % p.Hq, i = item / p.Hq % p.S, b = item / (p.Hq * p.S);
            int kvh = h / group;
            long qo = (long)item * p.Dk;
            int queryPos = p.Past + i;
            int end = p.T;
            if (p.Causal != 0 && queryPos - p.KeyPos + 1 < end) end = queryPos - p.KeyPos + 1;
            int begin = p.FirstKey;
            if (p.Window > 0 && queryPos - p.Window + 1 - p.KeyPos > begin) begin = queryPos - p.Window + 1 - p.KeyPos;
            float runMax = p.HasSinks != 0 ? sinks[h] : float.NegativeInfinity;
            float runSum = p.HasSinks != 0 ? 1f : 0f;
            for (int e = t; e < p.Dv; e += threads) acc[e] = 0f;
            for (int j0 = begin; j0 < end; j0 += threads)
            {
                int j = j0 + t;
                float logit = float.NegativeInfinity;
                if (j < end)
                {
                    long ko = b * p.KBatch + (long)j * p.KRow + kvh * p.Dk;
                    float dot = 0;
                    for (int e = 0; e < p.Dk; e++) dot += q[qo + e] * k[ko + e];
                    logit = dot * p.Scale;
                    if (p.RelBuckets > 0)
                        logit += relBias[RelativeBucket(p.KeyPos + j - queryPos, p.RelBuckets, p.RelBidirectional != 0) * p.Hq + h];
                    if (p.Softcap > 0) logit = p.Softcap * XMath.Tanh(logit / p.Softcap);
                }
                float blockMax = GroupReduce.Max(scratch, logit);
                float newMax = XMath.Max(runMax, blockMax);
                float correction = runMax == float.NegativeInfinity ? 0f : XMath.Exp(runMax - newMax);
                float weight = j < end ? XMath.Exp(logit - newMax) : 0f;
                weights[t] = weight;
                runSum = runSum * correction + GroupReduce.Sum(scratch, weight);
                runMax = newMax;
                int count = end - j0 < threads ? end - j0 : threads;
                for (int e = t; e < p.Dv; e += threads)
                {
                    float a = acc[e] * correction;
                    long vo = b * p.VBatch + (long)j0 * p.VRow + kvh * p.Dv + e;
                    for (int jj = 0; jj < count; jj++) a += weights[jj] * v[vo + (long)jj * p.VRow];
                    acc[e] = a;
                }
                Group.Barrier();
            }
            long oo = (long)item * p.Dv;
            for (int e = t; e < p.Dv; e += threads) o[oo + e] = runSum > 0 ? acc[e] / runSum : 0f;
            Group.Barrier();
        }
    }

    /// <summary>T5's relative-position bucket (as RelativePositionBuckets.Bucket, max distance 128, in f32).</summary>
    public static int RelativeBucket(int relative, int buckets, bool bidirectional)
    {
        int bucket = 0, n;
        if (bidirectional)
        {
            buckets /= 2;
            if (relative > 0) bucket += buckets;
            n = relative < 0 ? -relative : relative;
        }
        else n = relative < 0 ? -relative : 0;
        int maxExact = buckets / 2;
        if (n < maxExact) return bucket + n;
        float scaled = XMath.Log(n / (float)maxExact) / (float)XMath.Log(128.0 / maxExact) * (buckets - maxExact);
        int large = maxExact + (int)scaled;
        return bucket + (large < buckets - 1 ? large : buckets - 1);
    }
}
