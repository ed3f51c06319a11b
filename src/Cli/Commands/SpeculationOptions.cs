using System.CommandLine;
using GraphDsl.Backends.CostModel.Model;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>Speculative decoding for predict: <c>--speculative mtp:K|draft:K --acceptance A [--draft FILE.moe]</c>.
/// The acceptance (mean tokens kept per step, from 1 to K + 1) has no default: it depends on the model, the drafter and
/// the traffic, and the engine reports it (vLLM's spec_decode metrics, SGLang's accept length).</summary>
internal sealed class SpeculationOptions
{
    public Option<string?> Method { get; } = new("--speculative")
    {
        Description = "speculative decoding: mtp:K (the model's multi-token-prediction module drafts K tokens) or draft:K (a draft model, --draft)",
    };
    public Option<double?> Acceptance { get; } = NumberOptions.Float("--acceptance",
        "mean tokens kept per speculative step, from 1 to K + 1 (the engine's accept length), required with --speculative", FloatRange.Positive());
    public Option<string?> Draft { get; } = new("--draft") { Description = "the draft model's .moe file, for --speculative draft:K (compiled on the same deployment)" };

    public void AddTo(Command c) { c.Add(Method); c.Add(Acceptance); c.Add(Draft); }

    /// <summary>The speculation asked for (without its draft model, compiled later), or null; usage errors are reported.</summary>
    public Speculation? Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        var method = r.GetValue(Method);
        var acceptance = r.GetValue(Acceptance);
        var draft = r.GetValue(Draft);
        if (method is null)
        {
            if (acceptance is not null) diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--acceptance is given without --speculative");
            if (draft is not null) diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--draft is given without --speculative draft:K");
            return null;
        }
        if (acceptance is null)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None,
                $"--speculative {method} needs --acceptance: the mean tokens kept per step (from 1 to K + 1) that the engine reports for this model and traffic");
            return null;
        }
        var s = Speculation.Parse(method, acceptance.Value, out var problem);
        if (s is null)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--speculative: " + problem);
            return null;
        }
        if (s.Kind == "draft" && draft is null)
            diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, $"--speculative {method} needs --draft FILE.moe, the draft model");
        if (s.Kind == "mtp" && draft is not null)
            diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, "--draft is for --speculative draft:K; mtp:K drafts with the model's own multi-token-prediction module");
        return s;
    }
}
