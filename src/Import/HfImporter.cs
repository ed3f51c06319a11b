using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Frontend.Syntax;
using GraphDsl.Import.Architectures;
using GraphDsl.Import.Config;
using GraphDsl.Import.Json;
using GraphDsl.Import.Writing;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Files;

namespace GraphDsl.Import;

/// <summary>What an import gives: the spec (null when it failed), its diagnostics (errors, or GD0829 warnings for what
/// the spec approximates), the config fields that were ignored because they do not change the computation, and the
/// files read, so diagnostics render with their lines.</summary>
public sealed record ImportResult(string? Spec, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> IgnoredFields,
    IReadOnlyDictionary<string, SourceText> Sources, string? Architecture)
{
    public bool Success => Spec is not null;
}

/// <summary>
/// <c>graphdsl import hf PATH</c>: a Hugging Face config.json (or a folder holding it, with hf_quant_config.json beside
/// it) to a formatted .moe spec. The config is read through <see cref="InputFile"/> (bounded, regular files only) into
/// located JSON; the architecture's mapping reads the fields it understands; any other field that is not known to leave
/// the computation unchanged stops the import (GD0828), so a spec is never silently wrong.
/// </summary>
public static class HfImporter
{
    /// <summary>Real configs are a few KB (Llama 4's, with its vision config, under 10 KB).</summary>
    public const long MaxFileBytes = 4L << 20;
    public const string ConfigFile = "config.json";
    public const string ModelOptFile = "hf_quant_config.json";

    public static ImportResult Import(string path)
    {
        var sources = new Dictionary<string, SourceText>();
        var configPath = Directory.Exists(path) ? Path.Combine(path, ConfigFile) : path;
        try
        {
            var root = ReadObject(configPath, sources);
            var config = new HfConfig(root, configPath);
            var architecture = Architecture(config);
            var mapping = ArchitectureRegistry.Find(architecture) ?? throw Refusal(config, architecture);
            var formats = new CheckpointFormats();
            formats.ReadQuantizationConfig(config.OptObject("quantization_config"));
            var modelOpt = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".", ModelOptFile);
            if (File.Exists(modelOpt)) formats.ReadModelOpt(new HfConfig(ReadObject(modelOpt, sources), modelOpt));
            var context = new ImportContext(config, architecture, ModelName(configPath, architecture), formats);
            var doc = mapping.Map(context);
            var leftovers = config.Leftovers().ToList();
            if (leftovers.Count > 0)
            {
                var errors = leftovers.Select(m => DiagnosticCatalog.ConfigFieldNotUnderstood.At(m.NameSpan, m.Name,
                    $"is not understood for {architecture}; it may change the model")).ToList();
                return new ImportResult(null, context.Warnings.Concat(errors).ToList(), config.IgnoredPresent().ToList(), sources, architecture);
            }
            AddHeader(doc, context, configPath);
            var specName = Path.ChangeExtension(Path.GetFileName(configPath), ".moe");
            var spec = SpecWriter.Write(doc, specName);
            // Fields can contradict one another where no one field is wrong (64 KV heads for 32 query heads, top-9 of
            // 8 experts, a vocabulary past the weight limit): such a spec used to be written, with exit 0, and fail
            // its first check. It is compiled here, and refused naming the compiler's first error.
            var compiled = GraphDsl.Frontend.Compiler.Compile(new SourceText(specName, spec));
            if (compiled.Diagnostics.FirstOrDefault(d => d.Severity == Severity.Error) is { } error)
            {
                var refusal = DiagnosticCatalog.BadConfigJson.At(config.Span, configPath,
                    $"its values give a spec that does not compile (line {error.Span.Line} of the spec: {error.Id}: {error.Message}); nothing was written");
                return new ImportResult(null, context.Warnings.Append(refusal).ToList(), config.IgnoredPresent().ToList(), sources, architecture);
            }
            return new ImportResult(spec, context.Warnings, config.IgnoredPresent().ToList(), sources, architecture);
        }
        catch (ConfigException e)
        {
            return new ImportResult(null, new[] { e.Diagnostic }, Array.Empty<string>(), sources, null);
        }
        catch (Exception e) when (FileErrors.IsFileSystemError(e))
        {
            return new ImportResult(null, new[] { DiagnosticCatalog.FileNotFound.At(SourceSpan.None, configPath, FileErrors.Reason(configPath, e)) },
                Array.Empty<string>(), sources, null);
        }
    }

    private static JsonObject ReadObject(string path, Dictionary<string, SourceText> sources)
    {
        var bytes = InputFile.ReadAllBytes(path, MaxFileBytes, "a model config");
        sources[path] = new SourceText(path, System.Text.Encoding.UTF8.GetString(bytes));
        var node = LocatedJsonReader.Read(bytes, path);
        return node as JsonObject ?? throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(node.Span, path, $"the file holds {node.Kind}, not an object"));
    }

    private static string Architecture(HfConfig config)
    {
        var names = config.OptStringList("architectures");
        if (names is null || names.Count == 0)
            throw new ConfigException(DiagnosticCatalog.BadConfigJson.At(config.SpanOf("architectures"), config.Path,
                "'architectures' is missing or empty; it names the model class (e.g. [\"LlamaForCausalLM\"])"));
        if (names.Count > 1)
            throw config.Unsupported("architectures", $"lists {names.Count} classes; a config describes one model");
        return names[0];
    }

    private static ConfigException Refusal(HfConfig config, string architecture)
    {
        var list = config.Find("architectures")!.Value;
        var span = list is JsonArray { Items.Count: > 0 } a ? a.Items[0].Span : list.Span;
        var why = ArchitectureRegistry.Refused.TryGetValue(architecture, out var reason)
            ? reason + " (issue 18, item 2)"
            : $"the importer does not know it{GraphDsl.Ir.Suggest.DidYouMean(architecture, ArchitectureRegistry.Names)}; known: {string.Join(", ", ArchitectureRegistry.Names)}";
        return new ConfigException(DiagnosticCatalog.UnsupportedArchitecture.At(span, architecture, why));
    }

    /// <summary>The model's name: the folder holding config.json (a repository's name, as huggingface-cli downloads it).</summary>
    private static string ModelName(string configPath, string architecture)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? "");
        var fallback = architecture.Replace("ForCausalLM", "").Replace("ForConditionalGeneration", "");
        return SpecText.Identifier(string.IsNullOrEmpty(folder) ? fallback : folder);
    }

    private static void AddHeader(SpecDocument doc, ImportContext context, string configPath)
    {
        doc.Header.Insert(0, $"Source: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(configPath)))}/{Path.GetFileName(configPath)}, architecture {context.Architecture}.");
        foreach (var f in context.Formats.Lines) doc.Header.Add("Checkpoint format: " + f + ".");
        foreach (var a in context.Approximations) doc.Header.Add("APPROXIMATED (the language cannot say it yet): " + a + ".");
    }
}
