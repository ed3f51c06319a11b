using System.CommandLine;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>The batch, prompt and context of predict and compare, declared once.</summary>
internal sealed class WorkloadOptions
{
    public Option<long> Batch { get; } = NumberOptions.Count("--batch", "sequences in flight over the whole deployment", 1);
    public Option<string> Prompt { get; } = new("--prompt") { Description = "prompt tokens per sequence (prefill), e.g. 2048 or 2k", DefaultValueFactory = _ => "2048" };
    public Option<string> Context { get; } = new("--context")
    {
        Description = "tokens in the KV cache at the decode step predicted, e.g. 8192 or 128k (at least --prompt)", DefaultValueFactory = _ => "4096",
    };

    public void AddTo(Command c) { c.Add(Batch); c.Add(Prompt); c.Add(Context); }

    /// <summary>The batch, prompt and context; zeros after reporting what is wrong (a context shorter than the prompt
    /// is GD0811: the decode step's cache holds at least the prompt).</summary>
    public (long Batch, long Prompt, long Context) Resolve(ParseResult r, DiagnosticBag diagnostics)
    {
        long batch = r.GetValue(Batch);
        var badPrompt = GraphDsl.Backends.Serving.Specs.TokenSize.Problem("--prompt", r.GetValue(Prompt)!, GraphDsl.Backends.CostModel.Inputs.Workload.MaxTokens, out var prompt);
        if (badPrompt is not null) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badPrompt);
        var badContext = GraphDsl.Backends.Serving.Specs.TokenSize.Problem("--context", r.GetValue(Context)!, GraphDsl.Backends.CostModel.Inputs.Workload.MaxTokens, out var context);
        if (badContext is not null) diagnostics.Report(DiagnosticCatalog.InvalidWorkload, SourceSpan.None, badContext);
        bool promptOk = badPrompt is null, contextOk = badContext is null;
        if (promptOk && contextOk && context < prompt)
            diagnostics.Report(DiagnosticCatalog.ContextShorterThanPrompt, SourceSpan.None, $"--context {context}", $"--prompt {prompt}",
                " and the tokens generated after it, so the context is at least the prompt");
        return (batch, prompt, context);
    }

}
