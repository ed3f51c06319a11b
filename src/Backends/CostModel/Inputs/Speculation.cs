using System;
using System.Globalization;

namespace GraphDsl.Backends.CostModel.Inputs;

/// <summary>
/// Speculative decoding: each step drafts <see cref="DraftTokens"/> tokens cheaply, then the target model checks them
/// in one pass over K + 1 positions and keeps <see cref="Acceptance"/> of them on average (the accepted drafts plus the
/// target's own next token, so 1 &lt;= A &lt;= K + 1). "mtp" drafts with the model's multi-token-prediction module, the
/// part its file declares for it (<c>model NAME for TARGET</c>; DeepSeek-V3's: an eh_proj GEMM over the normed hidden
/// state and the next token's embedding, one more decoder layer and the shared head, arXiv 2412.19437 section 2.2),
/// run K times one after another; "draft" with a separate small model. Either way the drafter is compiled on the
/// target's deployment (<see cref="DraftModel"/>) and a draft pass is its decode step.
/// </summary>
public sealed record Speculation(string Kind, int DraftTokens, double Acceptance)
{
    /// <summary>The drafter compiled on the target's deployment: the draft model, or the model's MTP part.</summary>
    public CompiledDeployment? DraftModel { get; init; }

    /// <summary>The most draft tokens a step may propose (engines use 1-8).</summary>
    public const int MaxDraftTokens = 16;

    /// <summary>How the drafter is laid out: like the target, but an MTP module (one layer, after the head) runs whole on
    /// the last pipeline stage.</summary>
    public Deployment DrafterDeployment(Deployment target) => Kind == "mtp" ? target with { Layout = target.Layout with { Pp = 1 } } : target;

    public override string ToString() => FormattableString.Invariant($"{Kind}:{DraftTokens} (acceptance {Acceptance:G3})");

    /// <summary>Why <paramref name="acceptance"/> cannot be the mean tokens kept per step with K draft tokens (it is the
    /// accepted drafts plus the target's own token: from 1 to K + 1), or null.</summary>
    public static string? AcceptanceProblem(int k, double acceptance) =>
        acceptance >= 1 && acceptance <= k + 1 ? null
        : $"the acceptance (mean tokens kept per step) must be from 1 to K + 1 = {k + 1}, found {acceptance.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses "mtp:K" or "draft:K" (the draft model is given separately); null with the problem otherwise.</summary>
    public static Speculation? Parse(string text, double acceptance, out string? problem)
    {
        problem = null;
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0] is not ("mtp" or "draft") || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || k < 1 || k > MaxDraftTokens)
        {
            problem = $"'{text}' is not mtp:K or draft:K with K draft tokens from 1 to {MaxDraftTokens}";
            return null;
        }
        if (AcceptanceProblem(k, acceptance) is { } p) { problem = p; return null; }
        return new Speculation(parts[0], k, acceptance);
    }
}
