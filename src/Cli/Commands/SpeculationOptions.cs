using System.CommandLine;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>Speculative decoding for predict: <c>--speculative mtp:K --acceptance A</c> (the model's own
/// multi-token-prediction module drafts K tokens) or <c>--speculative draft:FILE.moe --draft-tokens K --acceptance A</c>
/// (a draft model). The acceptance (mean tokens kept per step, from 1 to K + 1) has no default: it depends on the model,
/// the drafter and the traffic, and the engine reports it (vLLM's spec-decode metrics, SGLang's accept length).</summary>
internal sealed class SpeculationOptions
{
    public Option<string?> Method { get; } = new("--speculative")
    {
        Description = "speculative decoding: mtp:K (the model's multi-token-prediction module drafts K tokens) or draft:FILE.moe (a draft model, with --draft-tokens)",
    };
    public Option<double?> Acceptance { get; } = NumberOptions.Float("--acceptance",
        "mean tokens kept per speculative step, from 1 to K + 1 (the engine's accept length), required with --speculative", FloatRange.Positive());
    public Option<long?> DraftTokens { get; } = new("--draft-tokens") { Description = "tokens the draft model proposes per step, for --speculative draft:FILE.moe" };

    public void AddTo(Command c) { c.Add(Method); c.Add(Acceptance); c.Add(DraftTokens); }

    /// <summary>The speculation asked for and, for a draft model, its file (compiled later); nulls after reporting usage errors.</summary>
    public (Speculation? Speculation, string? DraftFile) Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        var method = r.GetValue(Method);
        var acceptance = r.GetValue(Acceptance);
        var draftTokens = r.GetValue(DraftTokens);
        void Error(string message) => diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, message);
        if (method is null)
        {
            if (acceptance is not null) Error("--acceptance is given without --speculative");
            if (draftTokens is not null) Error("--draft-tokens is given without --speculative draft:FILE.moe");
            return (null, null);
        }
        const string Mtp = "mtp:", Draft = "draft:";
        string? draftFile = null;
        int k;
        if (method.StartsWith(Draft, System.StringComparison.Ordinal))
        {
            draftFile = method[Draft.Length..];
            if (draftFile.Length == 0) { Error("--speculative draft: names no draft model file (draft:FILE.moe)"); return (null, null); }
            if (draftTokens is null) { Error($"--speculative {method} needs --draft-tokens K, the tokens the draft model proposes per step"); return (null, null); }
            if (draftTokens is < 1 or > Speculation.MaxDraftTokens)
            {
                Error($"--draft-tokens must be from 1 to {Speculation.MaxDraftTokens}, found {draftTokens}");
                return (null, null);
            }
            k = (int)draftTokens.Value;
        }
        else if (!method.StartsWith(Mtp, System.StringComparison.Ordinal))
        {
            Error($"--speculative: '{method}' is not mtp:K (the model's multi-token-prediction module) or draft:FILE.moe (a draft model)");
            return (null, null);
        }
        else
        {
            if (!int.TryParse(method[Mtp.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out k)
                || k < 1 || k > Speculation.MaxDraftTokens)
            {
                Error($"--speculative {method}: K, the draft tokens per step, must be a whole number from 1 to {Speculation.MaxDraftTokens}");
                return (null, null);
            }
            if (draftTokens is not null)
            {
                Error("--draft-tokens is for --speculative draft:FILE.moe; mtp:K gives its draft tokens itself");
                return (null, null);
            }
        }
        if (acceptance is null)
        {
            Error($"--speculative {method} needs --acceptance: the mean tokens kept per step (from 1 to K + 1) that the engine reports for this model and traffic");
            return (null, null);
        }
        if (Speculation.AcceptanceProblem(k, acceptance.Value) is { } problem)
        {
            Error("--speculative: " + problem);
            return (null, null);
        }
        var s = new Speculation(draftFile is null ? "mtp" : "draft", k, acceptance.Value);
        return (s, draftFile);
    }
}
