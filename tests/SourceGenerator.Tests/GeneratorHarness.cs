using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using GraphDsl.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace GraphDsl.SourceGenerator.Tests;

/// <summary>
/// Drives <see cref="ModelGenerator"/> with Roslyn's <see cref="CSharpGeneratorDriver"/> as the compiler
/// would: .moe files as additional texts under a fixed project folder (so paths in the output are
/// stable), MSBuild properties as global analyzer-config options, step tracking on.
/// </summary>
internal sealed class GeneratorHarness
{
    public const string ProjectDir = "/project/";

    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal)
    {
        ["build_property.RootNamespace"] = "TestProject",
        ["build_property.ProjectDir"] = ProjectDir,
    };
    private readonly List<AdditionalText> _files = new();
    private readonly ModelGenerator _generator;

    public GeneratorHarness(ModelGenerator? generator = null) { _generator = generator ?? new ModelGenerator(); }

    /// <summary>Adds a .moe file at <c>/project/{relativePath}</c>.</summary>
    public GeneratorHarness File(string relativePath, string text)
    {
        _files.Add(new InMemoryText(ProjectDir + relativePath, text));
        return this;
    }

    /// <summary>Adds a repository sample as <c>/project/Models/{name}.moe</c>.</summary>
    public GeneratorHarness Sample(string name) => File("Models/" + name + ".moe", System.IO.File.ReadAllText(Repo.Sample(name)));

    /// <summary>Adds a file of Inputs/ (beside the tests) as <c>/project/{name}</c>.</summary>
    public GeneratorHarness Input(string name) =>
        File(name, System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Inputs", name)));

    /// <summary>Sets an MSBuild property (GraphDslHardware, ...) as the compiler would see it.</summary>
    public GeneratorHarness Property(string name, string value)
    {
        _properties["build_property." + name] = value;
        return this;
    }

    public IReadOnlyList<AdditionalText> Files => _files;
    public AnalyzerConfigOptionsProvider Options => new OptionsProvider(new Dictionary<string, string>(_properties));

    /// <summary>A driver over the files and properties added so far, or over the given ones (a test's own fakes).</summary>
    public GeneratorDriver CreateDriver(IEnumerable<AdditionalText>? files = null, AnalyzerConfigOptionsProvider? options = null) =>
        CSharpGeneratorDriver.Create(
            new[] { _generator.AsSourceGenerator() },
            additionalTexts: files ?? _files,
            parseOptions: ParseOptions,
            optionsProvider: options ?? Options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once over <paramref name="compilation"/> (default: one empty C# file).</summary>
    public Run Generate(CSharpCompilation? compilation = null, IEnumerable<AdditionalText>? files = null, AnalyzerConfigOptionsProvider? options = null)
    {
        compilation ??= Compilation(withFrontend: true);
        var driver = CreateDriver(files, options).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        return new Run(driver, driver.GetRunResult(), output, driverDiagnostics);
    }

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp7_3);

    /// <summary>A library compilation with the .NET runtime and, optionally, GraphDsl.Ir and GraphDsl.Frontend.</summary>
    public static CSharpCompilation Compilation(bool withFrontend, params string[] sources) => Compilation(withFrontend, false, sources);

    /// <summary>As above, and with the ILGPU backend (the typed runner's types) when <paramref name="withRunner"/>.</summary>
    public static CSharpCompilation Compilation(bool withFrontend, bool withRunner, params string[] sources)
    {
        var references = RuntimeReferences.Value.ToList();
        if (withFrontend)
        {
            references.Add(MetadataReference.CreateFromFile(typeof(GraphDsl.Ir.Graph.Module).Assembly.Location));
            references.Add(MetadataReference.CreateFromFile(typeof(GraphDsl.Frontend.Compiler).Assembly.Location));
        }
        if (withRunner)
        {
            // What a project reference to the backend brings: the backend and the generation types it exposes.
            references.Add(MetadataReference.CreateFromFile(typeof(GraphDsl.Backends.Ilgpu.Execution.ModelRunner).Assembly.Location));
            references.Add(MetadataReference.CreateFromFile(typeof(GraphDsl.Backends.Reference.Tensor).Assembly.Location));
        }
        var trees = (sources.Length == 0 ? new[] { "internal static class UserCode { }" } : sources)
            .Select(s => CSharpSyntaxTree.ParseText(s, ParseOptions));
        return CSharpCompilation.Create("TestProject", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
    }

    private static readonly Lazy<MetadataReference[]> RuntimeReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    /// <summary>The outcome of one generator run.</summary>
    public sealed record Run(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics)
    {
        public GeneratorRunResult Generator => Result.Results.Single();
        public ImmutableArray<Diagnostic> Diagnostics => Generator.Diagnostics;
        public IEnumerable<GeneratedSourceResult> Sources => Generator.GeneratedSources;
        public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();

        /// <summary>Diagnostics as the build prints them: <c>path(line,col): error GD0201: message</c>.</summary>
        public string[] Rendered => Diagnostics.Select(d => d.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToArray();

        /// <summary>Errors of the C# compilation that includes the generated code.</summary>
        public Diagnostic[] CompileErrors => Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
    }

    private sealed class InMemoryText : AdditionalText
    {
        private readonly SourceText _text;
        public InMemoryText(string path, string text) { Path = path; _text = SourceText.From(text); }
        public override string Path { get; }
        public override SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => _text;
    }

    private sealed class OptionsProvider : AnalyzerConfigOptionsProvider
    {
        private static readonly AnalyzerConfigOptions Empty = new ConfigOptions(new Dictionary<string, string>());
        public OptionsProvider(Dictionary<string, string> global) { GlobalOptions = new ConfigOptions(global); }
        public override AnalyzerConfigOptions GlobalOptions { get; }
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Empty;
    }

    private sealed class ConfigOptions : AnalyzerConfigOptions
    {
        private readonly Dictionary<string, string> _values;
        public ConfigOptions(Dictionary<string, string> values) { _values = values; }
        public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    }
}
