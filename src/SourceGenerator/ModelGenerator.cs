using System;
using System.Collections.Immutable;
using System.Linq;
using GraphDsl.Frontend;
using GraphDsl.SourceGenerator.Model;
using GraphDsl.SourceGenerator.Resolution;
using Microsoft.CodeAnalysis;

namespace GraphDsl.SourceGenerator;

/// <summary>
/// Compiles the project's .moe additional files at build time: GraphDsl diagnostics become compiler
/// diagnostics located in the .moe files, and each model becomes a static partial class of constants
/// (see <see cref="Emitter"/>). The pipeline, in the System.Text.Json generator's shape:
/// <code>
///   AdditionalTexts(*.moe) → MoeFile ─┬───────────────────────→ (file, importable files) ─┐
///                      Collect ──────┘                                                    ├→ Parser → ModelFileResult ─┬→ sources
///   AnalyzerConfigOptions → GeneratorOptions ──────────────────────────────────────────────┘                           └→ diagnostics
/// </code>
/// Sources and diagnostics are separate outputs, so a diagnostic-only change re-emits no code; every
/// step has a tracking name (<see cref="TrackingNames"/>) so tests can check what stays cached.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ModelGenerator : IIncrementalGenerator
{
    private readonly Parser _parser;

    public ModelGenerator() : this((source, model, resolver) => Compiler.Compile(source, model, resolver)) { }

    /// <summary>For tests: a frontend that fails, to check that failures end as diagnostics.</summary>
    internal ModelGenerator(ModelCompiler compile) { _parser = new Parser(compile); }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var options = context.AnalyzerConfigOptionsProvider
            .Select((provider, _) => OptionsReader.Read(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        var files = context.AdditionalTextsProvider
            .Where(text => text.Path.EndsWith(".moe", StringComparison.OrdinalIgnoreCase))
            .Select((text, cancellationToken) => ReadFile(text, cancellationToken))
            .WithTrackingName(TrackingNames.Files);

        var allFiles = files.Collect()
            .Select((all, _) => all.OrderBy(f => f.Path, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.AllFiles);

        // Only a file that imports project files sees the others, so editing one .moe file leaves the
        // parse of every file that imports only std/ cached.
        var inputs = files.Combine(allFiles)
            .Select((pair, _) => (File: pair.Left, Importable: ImportScan.HasProjectImports(pair.Left.Text) ? pair.Right : EquatableArray<MoeFile>.Empty))
            .WithTrackingName(TrackingNames.Inputs);

        var results = inputs.Combine(options)
            .Select((input, cancellationToken) => _parser.Parse(input.Left.File, input.Left.Importable, input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Results);

        var models = results
            .Select((result, _) => result.Models)
            .WithTrackingName(TrackingNames.Models);

        var diagnostics = results
            .Select((result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        // Module and Compile() need GraphDsl.Frontend at run time; without it the classes hold constants only.
        var frontendReferenced = context.CompilationProvider
            .Select((compilation, _) => compilation.ReferencedAssemblyNames.Any(a => a.Name == "GraphDsl.Frontend"))
            .WithTrackingName(TrackingNames.FrontendReferenced);

        // Load() (a typed runner) needs the ILGPU backend at run time.
        var runnerReferenced = context.CompilationProvider
            .Select((compilation, _) => compilation.ReferencedAssemblyNames.Any(a => a.Name == "GraphDsl.Backends.Ilgpu"))
            .WithTrackingName(TrackingNames.RunnerReferenced);

        var generatedClasses = results
            .Select((result, _) => result.Models.Select(m => new GeneratedClass(m.Namespace + "." + m.ClassName, result.Path, m.SourcePath)).ToEquatableArray())
            .Collect()
            .WithTrackingName(TrackingNames.GeneratedClasses);

        context.RegisterSourceOutput(models.Combine(frontendReferenced.Combine(runnerReferenced)),
            static (spc, input) => EmitModels(spc, input.Left, input.Right.Left, input.Right.Left && input.Right.Right));
        context.RegisterSourceOutput(frontendReferenced, static (spc, referenced) => Guarded(spc, Emitter.EmbeddedSourcesHintName, () =>
        {
            if (referenced) spc.AddSource(Emitter.EmbeddedSourcesHintName, Emitter.EmbeddedSourcesClass);
        }));
        context.RegisterSourceOutput(diagnostics, static (spc, infos) => Guarded(spc, "the diagnostics", () => Report(spc, infos)));
        context.RegisterSourceOutput(options.Select((o, _) => o.Problems), static (spc, infos) => Guarded(spc, "the build properties", () => Report(spc, infos)));
        context.RegisterSourceOutput(generatedClasses, static (spc, classes) => Guarded(spc, "the generated classes", () => ReportDuplicateClasses(spc, classes)));
    }

    /// <summary>The file's text; an exception of the host's <see cref="AdditionalText"/> is kept as the
    /// file's read error (a GD0901 on it), never thrown into the build. A path that names a FIFO, a device, a
    /// socket or a directory is not read (GD0801): the compiler opens an additional file only when a generator
    /// asks for its text, and opening a FIFO (`mkfifo pipe.moe` in the project folder) blocked the build forever.
    /// A file larger on disk than a source may be is not read either (GD0107): the frontend refused it only after the
    /// whole text was in memory, gigabytes for a stray multi-GB file named .moe.</summary>
    private static MoeFile ReadFile(AdditionalText text, System.Threading.CancellationToken cancellationToken)
    {
        var kind = GraphDsl.Ir.Files.FileKinds.Of(text.Path);
        if (kind is not (GraphDsl.Ir.Files.FileKind.Regular or GraphDsl.Ir.Files.FileKind.Missing))
            return new MoeFile(text.Path, null, NotRead: GraphDsl.Ir.Files.FileKinds.NotAFile(kind));
        if (kind == GraphDsl.Ir.Files.FileKind.Regular && GraphDsl.Ir.Files.InputFile.SizeOnDisk(text.Path) is { } size && size > GraphDsl.Frontend.Parsing.SyntaxParser.MaxFileBytes)
            return new MoeFile(text.Path, null, OversizeBytes: size);
        try { return new MoeFile(text.Path, text.GetText(cancellationToken)?.ToString()); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new MoeFile(text.Path, null, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Runs one output step; an exception becomes one GD0901 for the project instead of CS8785.</summary>
    private static void Guarded(SourceProductionContext context, string subject, Action step)
    {
        try { step(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(DiagnosticDescriptors.Create(DiagnosticDescriptors.InternalError, null,
                subject, e.GetType().Name + ": " + e.Message).ToDiagnostic());
        }
    }

    private static void EmitModels(SourceProductionContext context, EquatableArray<ModelSpec> models, bool withFrontend, bool withRunner)
    {
        foreach (var model in models)
        {
            try
            {
                using var culture = Helpers.InvariantCultureScope.Enter();
                context.AddSource(model.HintName, Emitter.Emit(model, withFrontend, withRunner));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.ReportDiagnostic(DiagnosticDescriptors.Create(DiagnosticDescriptors.InternalError, null,
                    model.SourcePath, e.GetType().Name + ": " + e.Message).ToDiagnostic());
            }
        }
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> infos)
    {
        foreach (var info in infos) context.ReportDiagnostic(info.ToDiagnostic());
    }

    /// <summary>GD0904 when two files generate one class (CS0101 would follow in generated code, naming neither .moe file).</summary>
    private static void ReportDuplicateClasses(SourceProductionContext context, ImmutableArray<EquatableArray<GeneratedClass>> perFile)
    {
        var all = perFile.SelectMany(c => c).OrderBy(c => c.FilePath, StringComparer.Ordinal).ToList();
        foreach (var group in all.GroupBy(c => c.FullName).Where(g => g.Count() > 1))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
                context.ReportDiagnostic(DiagnosticDescriptors.Create(DiagnosticDescriptors.DuplicateModelClass,
                    new LocationInfo(other.FilePath, default, default), first.FullName, first.DisplayPath, other.DisplayPath).ToDiagnostic());
        }
    }

    /// <summary>A generated class and the file it comes from, for the duplicate check.</summary>
    internal sealed record GeneratedClass(string FullName, string FilePath, string DisplayPath);

    /// <summary>The names of the tracked pipeline steps, for tests of incrementality.</summary>
    internal static class TrackingNames
    {
        public const string Options = nameof(Options);
        public const string Files = nameof(Files);
        public const string AllFiles = nameof(AllFiles);
        public const string Inputs = nameof(Inputs);
        public const string Results = nameof(Results);
        public const string Models = nameof(Models);
        public const string Diagnostics = nameof(Diagnostics);
        public const string FrontendReferenced = nameof(FrontendReferenced);
        public const string RunnerReferenced = nameof(RunnerReferenced);
        public const string GeneratedClasses = nameof(GeneratedClasses);
    }
}
