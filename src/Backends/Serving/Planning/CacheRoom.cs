using System.Globalization;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>
/// Why a deployment the planner screened has no room for one request's KV cache: what each GPU holds before the cache,
/// its weights and its activations' workspace. Naming the weights alone blamed them where the workspace was the cause:
/// Qwen3-30B-A3B at tp1 dp2048 ep128 gathers every replica's tokens to each MoE layer, 1,110 GB of workspace beside 3.1 GB
/// of weights, and plan said "3.1 GB of weights per GPU leave no room on a h100-sxm".
/// </summary>
public static class CacheRoom
{
    /// <summary>"W GB of weights and A GB of workspace per GPU leave no room on a DEVICE for the KV cache of one N-token
    /// request".</summary>
    public static string Missing(SweepPoint fit, string device, double tokens) => string.Format(CultureInfo.InvariantCulture,
        "{0:F1} GB of weights and {1:F1} GB of workspace per GPU leave no room on a {2} for the KV cache of one {3}-token request",
        fit.WeightGb, fit.WorkspaceGb, device, tokens);
}
