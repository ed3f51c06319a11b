using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Backends.Reference;
using GraphDsl.Backends.Weights.Mapping;
using GraphDsl.Backends.Weights.Safetensors;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;

namespace GraphDsl.Cli.Execution;

/// <summary>What the commands that execute a model share: token lists, the size limit, and weights
/// read from a safetensors file and checked against the module, each failure one diagnostic.</summary>
internal static class ExecutionInputs
{
    /// <summary>Parameters a command will materialize in host memory as f32 (4 GB).</summary>
    public const long MaxParameters = 1_000_000_000;

    /// <summary>Prompt tokens a command will prefill: the prefill holds heads x tokens^2 attention scores as f32 in host
    /// memory (2 GB for 32 heads at this length), and a prompt of 60,000 ones grew past 3 GB in a minute without an end.</summary>
    public const int MaxPromptTokens = 4096;

    public static int[]? ParseTokens(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var tokens = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) || t < 0)
            {
                Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, $"{option} '{text}': '{p}' is not a token id (a non-negative integer)"));
                return null;
            }
            tokens.Add(t);
        }
        if (tokens.Count == 0)
        {
            Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, $"{option} needs at least one token id, e.g. 1,2,3"));
            return null;
        }
        if (tokens.Count > MaxPromptTokens)
        {
            Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None,
                $"{option} has {tokens.Count} token ids; at most {MaxPromptTokens} are executed (the prefill holds heads x tokens^2 attention scores in host memory)"));
            return null;
        }
        return tokens.ToArray();
    }

    /// <summary>False (after reporting) when the module is too large to hold in host memory as f32.</summary>
    public static bool FitsInHost(Module module)
    {
        long parameters = ModuleWeights.Enumerate(module).Sum(w => w.ElementCount);
        if (parameters <= MaxParameters) return true;
        Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None,
            $"model '{module.Name}' has {parameters:N0} parameters; execution holds at most {MaxParameters:N0} as f32 in host memory (use the tiny samples, or predict for real sizes)"));
        return false;
    }

    /// <summary>Every weight of the module from the file, as f32; null after reporting what is wrong,
    /// naming each missing, mis-shaped or unreadable tensor.</summary>
    public static WeightSet? LoadWeights(string path, Module module)
    {
        try
        {
            return WeightSet.FromArrays(WeightMapping.LoadFile(module, path).Select(w => (w.Name, w.Shape, w.Values)));
        }
        catch (WeightMappingException e)
        {
            Driver.Report(DiagnosticCatalog.WeightsMismatch.At(SourceSpan.None, path, module.Name, e.Report.ToString()));
            return null;
        }
        catch (SafetensorsException e)
        {
            Driver.Report(DiagnosticCatalog.BadWeightsFile.At(SourceSpan.None, path, e.Message));
            return null;
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            Driver.Report(DiagnosticCatalog.FileNotFound.At(SourceSpan.None, path, FileErrors.Reason(path, e)));
            return null;
        }
    }
}
