using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GraphDsl.Frontend;
using GraphDsl.Frontend.Semantics;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Text;
using GraphDsl.SourceGenerator.Helpers;
using GraphDsl.SourceGenerator.Model;
using GraphDsl.SourceGenerator.Resolution;
using Diagnostic = GraphDsl.Ir.Diagnostics.Diagnostic;
using SourceText = GraphDsl.Frontend.Syntax.SourceText;

namespace GraphDsl.SourceGenerator;

/// <summary>The frontend's entry point as the generator calls it; tests pass one that fails.</summary>
internal delegate CompilationResult ModelCompiler(SourceText source, string? model, ISourceResolver resolver);

public sealed partial class ModelGenerator
{
    /// <summary>
    /// Compiles one .moe file with the GraphDsl frontend and keeps what the emitter and the diagnostics
    /// need as an equatable <see cref="ModelFileResult"/>. Never throws: a failure of its own becomes one
    /// GD0901 diagnostic on the file (cancellation still cancels).
    /// </summary>
    internal sealed class Parser
    {
        private readonly ModelCompiler _compile;

        public Parser(ModelCompiler compile) { _compile = compile; }

        public ModelFileResult Parse(MoeFile file, EquatableArray<MoeFile> importable, GeneratorOptions options, CancellationToken cancellationToken)
        {
            try
            {
                if (file.ReadError is not null) return Failed(file, file.ReadError);
                using var culture = InvariantCultureScope.Enter();
                return ParseCore(file, importable, options, cancellationToken);
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception e) { return Failed(file, e.GetType().Name + ": " + e.Message); }
        }

        private static ModelFileResult Failed(MoeFile file, string reason)
        {
            var location = new LocationInfo(file.Path, default, default);
            var info = DiagnosticDescriptors.Create(DiagnosticDescriptors.InternalError, location, System.IO.Path.GetFileName(file.Path), reason);
            return new ModelFileResult(file.Path, EquatableArray<ModelSpec>.Empty, new[] { info }.ToEquatableArray());
        }

        private ModelFileResult ParseCore(MoeFile file, EquatableArray<MoeFile> importable, GeneratorOptions options, CancellationToken cancellationToken)
        {
            if (file.Text is null)
            {
                var problem = file.OversizeBytes is { } size
                    ? DiagnosticCatalog.FileTooLarge.At(SourceSpan.None, file.Path, size, GraphDsl.Frontend.Parsing.SyntaxParser.MaxFileBytes)
                    : DiagnosticCatalog.FileNotFound.At(SourceSpan.None, file.Path, file.NotRead ?? "the compiler could not read it");
                var unread = DiagnosticMapping.ToInfo(problem, null, file.Path, null);
                return new ModelFileResult(file.Path, EquatableArray<ModelSpec>.Empty, new[] { unread }.ToEquatableArray());
            }
            // Without a project folder (a host that does not pass ProjectDir), the file's own folder confines its imports.
            var resolver = new AdditionalFilesResolver(importable.Append(file), options.ProjectDirectory ?? FolderOf(file.Path));
            var root = new SourceText(resolver.DisplayPath(file.Path), file.Text);

            // A file may define several models: the frontend then asks for one by name, so compile each.
            var first = _compile(root, null, resolver);
            var results = new List<CompilationResult> { first };
            if (first.Models.Count > 1 && first.Diagnostics.Any(d => d.Id == DiagnosticCatalog.MultipleModels.Id))
                results = first.Models.Select(name => _compile(root, name, resolver)).ToList();
            cancellationToken.ThrowIfCancellationRequested();

            var diagnostics = new List<DiagnosticInfo>();
            foreach (var result in results)
                foreach (var d in result.Diagnostics.Where(d => Reports(d, root.Path, resolver)))
                    diagnostics.Add(DiagnosticMapping.ToInfo(d, resolver, file.Path, result));

            var models = new List<ModelSpec>();
            foreach (var result in results.Where(r => r.Success))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var spec = Describe(result.Module!, root, result, options);
                models.Add(spec);
                if (options.FitCheck is { } fit && FitCheck.Check(spec, fit, root, file.Path) is { } misfit)
                    diagnostics.Add(misfit);
            }
            return new ModelFileResult(file.Path, models.ToEquatableArray(), diagnostics.Distinct().ToEquatableArray());
        }

        /// <summary>The folder of a file, '/'-separated, with its trailing slash.</summary>
        private static string FolderOf(string filePath)
        {
            var path = ProjectImports.Normalize(filePath);
            return path.Substring(0, path.LastIndexOf('/') + 1);
        }

        /// <summary>
        /// Whether this file reports <paramref name="d"/>. A file of blocks without a model is a library,
        /// not a mistake (no GD0211). Syntax errors (GD01xx) of another project file are that file's to
        /// report, since it is compiled as an additional file too: each would otherwise show once per importer.
        /// </summary>
        private static bool Reports(Diagnostic d, string rootPath, AdditionalFilesResolver resolver)
        {
            if (d.Id == DiagnosticCatalog.NoModel.Id) return false;
            var elsewhere = !d.Span.IsNone && d.Span.File != rootPath && resolver.IsProjectFile(d.Span.File);
            return !(elsewhere && d.Id.StartsWith("GD01", StringComparison.Ordinal));
        }

        private static ModelSpec Describe(Module module, SourceText root, CompilationResult result, GeneratorOptions options)
        {
            var className = CSharpNames.Identifier(module.Name);
            var values = module.EvaluateParams();
            var parameters = module.Params.Where(p => values.ContainsKey(p.Name)).ToList();
            var members = CSharpNames.ParameterMembers(parameters.Select(p => p.Name).ToList(), className, Emitter.ReservedMemberNames);
            var stats = ModelStats.Compute(module);
            var facts = new ModelFacts(
                Round(stats.TotalParams), Round(stats.ActiveParams), Round(stats.KvBytesPerToken), Round(stats.WeightBytes));
            var imports = result.Sources
                .Where(kv => kv.Key != root.Path && !kv.Key.StartsWith(StandardLibrary.Prefix, StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new EmbeddedSource(kv.Key, kv.Value.Text));
            return new ModelSpec(
                options.Namespace, className, CSharpNames.HintName(root.Path, className), module.Name, root.Path, root.Text,
                parameters.Select((p, i) => new ParameterSpec(p.Name, members[i], values[p.Name], Expression(p, values[p.Name]))).ToEquatableArray(),
                facts, imports.ToEquatableArray(), IrPrinter.Print(module));
        }

        private static string? Expression(ParamDef p, long value)
        {
            var text = p.Value.ToString().Replace("@", "");
            return text == value.ToString(System.Globalization.CultureInfo.InvariantCulture) ? null : text;
        }

        private static long Round(double value) => checked((long)Math.Round(value, MidpointRounding.AwayFromZero));

    }
}
