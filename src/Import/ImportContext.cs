using System.Collections.Generic;
using GraphDsl.Import.Config;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Import;

/// <summary>What one import reads and reports: the config, the checkpoint's formats, and the gaps (what the language
/// cannot say, approximated with a warning and a comment in the spec).</summary>
public sealed class ImportContext
{
    public ImportContext(HfConfig config, string architecture, string modelName, CheckpointFormats formats)
    {
        Config = config; Architecture = architecture; ModelName = modelName; Formats = formats;
    }

    public HfConfig Config { get; }
    public string Architecture { get; }
    public string ModelName { get; }
    public CheckpointFormats Formats { get; }
    public List<Diagnostic> Warnings { get; } = new();
    /// <summary>One line per approximation, for the spec's header.</summary>
    public List<string> Approximations { get; } = new();

    /// <summary>Something the config asks for that the language cannot express (item 2 of issue 18): a GD0829 warning at
    /// the field and a line in the spec's header, never a silent approximation.</summary>
    public void Gap(HfConfig where, string field, string what)
    {
        Warnings.Add(DiagnosticCatalog.NotExpressible.At(where.SpanOf(field), where.Prefix + field, what));
        Approximations.Add($"{where.Prefix}{field}: {what}");
    }
}
