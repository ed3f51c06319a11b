using ILGPU.Algorithms;

namespace GraphDsl.Backends.Ilgpu.Kernels;

/// <summary>The pointwise functions kernels apply in epilogues and elementwise ops, by code.</summary>
public static class Activation
{
    public const int None = 0, Silu = 1, Gelu = 2, GeluTanh = 3, Relu = 4, Sigmoid = 5, Tanh = 6, Softcap = 7, Scale = 8, Relu2 = 9;

    /// <summary>f(x); <paramref name="p"/> is the softcap's cap or the scale's factor.</summary>
    public static float Apply(int code, float x, float p)
    {
        switch (code)
        {
            case Silu: return x * SigmoidOf(x);
            case Gelu: return 0.5f * x * (1f + Erf(x * 0.70710678118654752f));
            case GeluTanh: return 0.5f * x * (1f + XMath.Tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
            case Relu: return x > 0 ? x : 0f;
            case Sigmoid: return SigmoidOf(x);
            case Tanh: return XMath.Tanh(x);
            case Softcap: return p * XMath.Tanh(x / p);
            case Scale: return x * p;
            case Relu2: return x > 0 ? x * x : 0f;
            default: return x;
        }
    }

    /// <summary>Split by sign so exp never overflows.</summary>
    public static float SigmoidOf(float x)
    {
        if (x >= 0) return 1f / (1f + XMath.Exp(-x));
        float e = XMath.Exp(x);
        return e / (1f + e);
    }

    /// <summary>gpt-oss's clamped SwiGLU: min(g, limit) * sigmoid(alpha g) * (clamp(u, ±limit) + 1).</summary>
    public static float SwigluClamped(float gate, float up, float alpha, float limit)
    {
        float g = gate < limit ? gate : limit;
        float u = up < -limit ? -limit : up > limit ? limit : up;
        return g * SigmoidOf(alpha * g) * (u + 1f);
    }

    /// <summary>erf to about 1e-7 absolute (Abramowitz and Stegun 7.1.26 is 1.5e-7; this uses the
    /// complementary-function fit of Numerical Recipes' erfc, 1.2e-7 relative everywhere).</summary>
    public static float Erf(float x)
    {
        float z = x < 0 ? -x : x;
        float t = 1f / (1f + 0.5f * z);
        float r = t * XMath.Exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f +
            t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f)))))))));
        float erf = 1f - r;
        return x < 0 ? -erf : erf;
    }
}
