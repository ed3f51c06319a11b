using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Passes.Core;
using GraphDsl.SourceGenerator.Hardware;
using GraphDsl.SourceGenerator.Helpers;
using GraphDsl.SourceGenerator.Model;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GraphDsl.SourceGenerator;

public sealed partial class ModelGenerator
{
    /// <summary>
    /// Reads the GraphDsl* MSBuild properties (made visible by build/GraphDsl.SourceGenerator.props) from
    /// the global analyzer config. A bad value is a GD0903 warning and falls back to the default: an
    /// option must never stop the build on its own.
    /// </summary>
    internal static class OptionsReader
    {
        public const string NamespaceProperty = "GraphDslNamespace";
        public const string HardwareProperty = "GraphDslHardware";
        public const string GpusProperty = "GraphDslGpus";
        public const string WeightsProperty = "GraphDslWeights";

        /// <summary>The options; an exception while reading them is one GD0901 and the defaults.</summary>
        public static GeneratorOptions Read(AnalyzerConfigOptions global)
        {
            try { return ReadCore(global); }
            catch (System.Exception e) when (e is not System.OperationCanceledException)
            {
                var failure = DiagnosticDescriptors.Create(DiagnosticDescriptors.InternalError, null, "the build properties", e.GetType().Name + ": " + e.Message);
                return GeneratorOptions.Default with { Problems = new[] { failure }.ToEquatableArray() };
            }
        }

        private static GeneratorOptions ReadCore(AnalyzerConfigOptions global)
        {
            string? Get(string property) =>
                global.TryGetValue("build_property." + property, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

            var problems = new List<DiagnosticInfo>();
            void Problem(string message) => problems.Add(DiagnosticDescriptors.Create(DiagnosticDescriptors.InvalidOption, null, message));

            var ns = Namespace(Get(NamespaceProperty), Get("RootNamespace"), Problem);
            var fit = FitCheck(Get(HardwareProperty), Get(GpusProperty), Get(WeightsProperty), Problem);
            return new GeneratorOptions(ns, Get("ProjectDir"), fit, problems.ToEquatableArray());
        }

        private static string Namespace(string? explicitNamespace, string? rootNamespace, System.Action<string> problem)
        {
            if (explicitNamespace is not null)
            {
                if (CSharpNames.IsValidNamespace(explicitNamespace)) return explicitNamespace;
                var fixedName = Sanitize(explicitNamespace);
                problem($"{NamespaceProperty} '{explicitNamespace}' is not a valid C# namespace; using '{fixedName}'");
                return fixedName;
            }
            // RootNamespace defaults to the project's name, which may hold '-' (my-app): fixed quietly, as Visual Studio does.
            return rootNamespace is null ? GeneratorOptions.DefaultNamespace : Sanitize(rootNamespace);
        }

        private static string Sanitize(string ns)
        {
            var parts = ns.Split('.').Where(p => p.Length > 0).Select(CSharpNames.Identifier).ToArray();
            return parts.Length == 0 ? GeneratorOptions.DefaultNamespace : string.Join(".", parts);
        }

        private static FitCheckOptions? FitCheck(string? hardware, string? gpus, string? weights, System.Action<string> problem)
        {
            if (hardware is null)
            {
                if (gpus is not null || weights is not null)
                    problem($"{GpusProperty} and {WeightsProperty} only matter with {HardwareProperty} (a device id such as h200-sxm); the fit check is off");
                return null;
            }
            bool ok = true;
            var bytes = DeviceMemory.Find(hardware);
            if (bytes is null)
            {
                problem($"{HardwareProperty} '{hardware}' is not a known device{GraphDsl.Ir.Suggest.DidYouMean(hardware, DeviceMemory.BytesPerGpu.Keys)}; known: {DeviceMemory.KnownIds}; the fit check is off");
                ok = false;
            }
            int count = 1;
            if (gpus is not null && (!int.TryParse(gpus, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count <= 0))
            {
                problem($"{GpusProperty} '{gpus}' is not a positive integer; the fit check is off");
                ok = false;
            }
            var format = weights ?? "keep";
            var error = QuantizeError(format);
            if (error is not null)
            {
                problem($"{WeightsProperty} '{format}': {error}; the fit check is off");
                ok = false;
            }
            return ok ? new FitCheckOptions(hardware.ToLowerInvariant(), bytes!.Value, count, format) : null;
        }

        /// <summary>The quantize pass validates the format as the command line's --weights does.</summary>
        private static string? QuantizeError(string format)
        {
            if (format == "keep") return null;
            if (!format.All(c => char.IsLetterOrDigit(c) || c == '-' || c == '_')) return "not a format name";
            var bag = new DiagnosticBag();
            QuantizePipeline(format, bag);
            return bag.HasErrors ? bag.Items.First(d => d.Severity == Severity.Error).Message : null;
        }

        /// <summary>The cost model's order: quantize expects inlined, canonical IR. Null after reporting a format
        /// the quantize pass does not accept.</summary>
        public static Pipeline? QuantizePipeline(string format, DiagnosticBag bag) =>
            Pipeline.Parse("quantize{weights=" + format + "}", bag) is { } quantize ? StandardPipelines.Flatten.Append(quantize) : null;
    }
}
