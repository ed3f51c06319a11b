using System.Linq;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Ops;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// The token vocabulary a model predicts over: the last dimension of its logits output (the output named "logits", or
/// its only output). A draft model proposes tokens the target then scores, so the two must share it; engines refuse a
/// draft whose vocabulary differs (vLLM's speculative decoding checks the proposer's and the scorer's vocab sizes).
/// </summary>
public static class DraftVocabulary
{
    /// <summary>The vocabulary size and the output op that declares it, or null when the model has no single logits
    /// output of a known size (then nothing is checked).</summary>
    public static (long Size, Operation Output)? Of(Module module)
    {
        var outputs = module.Body.Ops.Where(op => op.Def == CoreOps.Output && op.Operands.Count == 1 && op.Operands[0].Type.Rank > 0).ToList();
        var logits = outputs.Where(op => op.Attributes.GetString("name") == "logits").ToList();
        var chosen = logits.Count == 1 ? logits[0] : outputs.Count == 1 ? outputs[0] : null;
        if (chosen is null) return null;
        var resolve = IrBuilder.Resolver(module);
        return chosen.Operands[0].Type.Shape.Last.Evaluate(resolve, _ => null) is { } size ? (size, chosen) : null;
    }
}
