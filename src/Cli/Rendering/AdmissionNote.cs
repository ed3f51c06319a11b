using System.Globalization;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Model;

namespace GraphDsl.Cli.Rendering;

/// <summary>The line beside "largest batch that fits" that says which admission sized it (table and HTML report).</summary>
public static class AdmissionNote
{
    public const string Label = "KV admission (sizes the largest batch)";

    public static string Describe(Prediction p)
    {
        var tokens = p.AdmissionTokensPerSequence.ToString("0", CultureInfo.InvariantCulture);
        return p.Admission == KvAdmission.NoEvict
            ? $"{p.Admission.Name()}: {tokens} tokens reserved per sequence (prompt + output, at least the context)"
            : $"{p.Admission.Name()}: {tokens} tokens (the context) per sequence";
    }
}
