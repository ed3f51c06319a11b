using System.Collections.Generic;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.Reference.Onnx.Tests.Export.Lowerings;

/// <summary>
/// MoE routing (scores, TopK, renormalization) and the routed experts in a dense formulation: every
/// expert runs on every token and the outputs are combined by a [tokens, experts] weight matrix that is
/// zero outside each token's top-k. That is a different algorithm from the reference's per-token dispatch,
/// which is the point of an oracle.
/// </summary>
internal static class MoeLowering
{
    public static readonly (OpDef, OpLowering)[] All =
    {
        (MoeOps.Route, Route),
        (MoeOps.Experts, Experts),
    };

    /// <summary>
    /// scores = softmax(logits) or sigmoid(logits); the top_k by score (+ bias, for selection only) in
    /// descending order, ties to the lower index (ONNX TopK's rule, the reference's too); weights are the
    /// chosen scores, divided by their sum when norm_topk, times scale; ids as i32.
    /// </summary>
    private static IReadOnlyList<string> Route(LoweringContext c)
    {
        c.RequireDefaults("groups", "topk_groups");
        var g = c.G;
        var logits = c.Input("logits");
        var scoring = c.Str("scoring");
        var scores = scoring switch
        {
            "softmax" => g.Op("Softmax", new[] { logits }, OnnxAttribute.OfInt("axis", -1L)),
            "sigmoid" => g.Op("Sigmoid", logits),
            _ => throw c.Unsupported($"scoring '{scoring}' is not lowered to ONNX"),
        };
        var bias = c.Optional("bias");
        var selection = bias is null ? scores : g.Op("Add", scores, bias);
        var top = g.Ops("TopK", new[] { selection, g.Int64s(c.Int("top_k")) }, 2,
            OnnxAttribute.OfInt("axis", -1L), OnnxAttribute.OfInt("largest", 1L), OnnxAttribute.OfInt("sorted", 1L));
        var weights = bias is null ? top[0] : g.Op("GatherElements", new[] { scores, top[1] }, OnnxAttribute.OfInt("axis", -1L));
        if (c.Bool("norm_topk"))
            weights = g.Op("Div", weights, g.Op("ReduceSum", new[] { weights, g.Int64s(-1) }, OnnxAttribute.OfInt("keepdims", 1L)));
        double scale = c.Float("scale");
        if (scale != 1) weights = g.Op("Mul", weights, g.Scalar(scale));
        var indices = g.Op("Cast", new[] { top[1] }, OnnxAttribute.OfInt("to", (long)OnnxElementType.Int32));
        return new[] { weights, indices };
    }

    /// <summary>
    /// Gated SiLU experts, w_gate/w_up [E, d, H], w_down [E, H, d], on x flattened to tokens [T, d]:
    /// y[e] = (silu(x w_gate[e]) * (x w_up[e])) w_down[e] for every e ([E, T, d], MatMul broadcasting over
    /// E); combine [T, E] = sum over the k choices of one_hot(index) * weight; out[t] = combine[t] @ y[:, t].
    /// </summary>
    private static IReadOnlyList<string> Experts(LoweringContext c)
    {
        c.RequireDefaults("act_dtype", "ep", "token_groups", "nanobatch", "placement", "expert_tokens");
        c.RequireAbsent("b_gate", "b_up", "b_down");
        if (c.Str("act") != "silu") throw c.Unsupported($"act = {c.Str("act")} is not lowered to ONNX (only silu)");
        var g = c.G;
        var x = c.Input("x");
        long experts = c.StaticDim("w_up", 0), dim = c.StaticDim("w_up", 1), topK = c.StaticDim("indices", -1);
        var tokens = g.Op("Reshape", x, g.Int64s(-1, dim));
        var gate = g.Op("MatMul", tokens, c.Input("w_gate"));
        var up = g.Op("MatMul", tokens, c.Input("w_up"));
        var hidden = g.Op("Mul", ElementwiseLowering.Silu(g, gate), up);
        var perExpert = g.Op("MatMul", hidden, c.Input("w_down"));                               // [E, T, d]

        // int64 ids: ONNX Runtime's OneHot kernels take int32 ids only with an int32 depth.
        var ids = g.Op("Cast", new[] { c.Input("indices") }, OnnxAttribute.OfInt("to", (long)OnnxElementType.Int64));
        var indices = g.Op("Reshape", ids, g.Int64s(-1, topK));                                 // [T, k]
        var weights = g.Op("Reshape", c.Input("weights"), g.Int64s(-1, topK, 1));               // [T, k, 1]
        var oneHot = g.Op("OneHot", new[] { indices, g.Int64s(experts), g.Floats(new[] { 2L }, new[] { 0f, 1f }) }, OnnxAttribute.OfInt("axis", -1L));
        var combine = g.Op("ReduceSum", new[] { g.Op("Mul", oneHot, weights), g.Int64s(1) }, OnnxAttribute.OfInt("keepdims", 1L)); // [T, 1, E]
        var byToken = g.Op("Transpose", new[] { perExpert }, OnnxAttribute.OfInts("perm", 1L, 0, 2)); // [T, E, d]
        var output = g.Op("MatMul", combine, byToken);                                            // [T, 1, d]
        return OpLowerings.One(g.Op("Reshape", output, g.Op("Shape", x)));
    }
}
