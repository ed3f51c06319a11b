using System;

namespace GraphDsl.Backends.Reference.Functions;

/// <summary>The scalar activation functions, in double precision, shared by the nn ops and the experts.</summary>
public static class Activations
{
    public static double Sigmoid(double x)
    {
        // Split by sign so exp never overflows.
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        var e = Math.Exp(x);
        return e / (1 + e);
    }

    public static double Silu(double x) => x * Sigmoid(x);

    /// <summary>GELU, erf form: x * Phi(x).</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + SpecialFunctions.Erf(x / Math.Sqrt(2)));

    /// <summary>GELU, tanh approximation (GPT-2, "gelu_pytorch_tanh").</summary>
    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double Relu(double x) => x > 0 ? x : 0;

    /// <summary>log(1 + exp(x)), as torch's softplus: x itself above 20, where the two agree in double.</summary>
    public static double Softplus(double x) => x > 20 ? x : Math.Log(1 + Math.Exp(x));

    public static double Softcap(double x, double cap) => cap * Math.Tanh(x / cap);

    /// <summary>gpt-oss's gate: g = min(gate, limit), u = clamp(up, -limit, limit), g * sigmoid(alpha g) * (u + 1).</summary>
    public static double SwigluClamped(double gate, double up, double alpha, double limit)
    {
        double g = Math.Min(gate, limit);
        double u = Math.Max(-limit, Math.Min(up, limit));
        return g * Sigmoid(alpha * g) * (u + 1);
    }

    /// <summary>The activation named by an op attribute (as moe.experts' <c>act</c>).</summary>
    public static Func<double, double>? ByName(string name) => name switch
    {
        "silu" => Silu,
        "gelu" => Gelu,
        "gelu_tanh" => GeluTanh,
        "relu" => Relu,
        "sigmoid" => Sigmoid,
        "tanh" => Math.Tanh,
        _ => null,
    };
}
