using GraphDsl.Ir.Graph;

namespace GraphDsl.Backends.CostModel.Plan;

/// <summary>The parallel layout a module was parallelized with (module attributes tp, ep, dp, pp).</summary>
public sealed record Layout(int Tp, int Ep, int Dp, int Pp)
{
    /// <summary>Nano-batches the overlap pass split each batch into (1: not split); the batch per replica must be a multiple.</summary>
    public int Nanobatches { get; init; } = 1;

    public int Gpus => Tp * Dp * Pp;

    public static Layout From(Module m)
    {
        int Get(string k) => (int)(m.Attributes.GetInt(k)?.AsConst ?? 1);
        return new Layout(Get("tp"), Get("ep"), Get("dp"), Get("pp")) { Nanobatches = Get("nanobatches") };
    }
}
