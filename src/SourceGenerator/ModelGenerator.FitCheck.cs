using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using GraphDsl.Ir.Analysis;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Text;
using GraphDsl.Passes.Core;
using GraphDsl.SourceGenerator.Helpers;
using GraphDsl.SourceGenerator.Model;
using Diagnostic = GraphDsl.Ir.Diagnostics.Diagnostic;
using SourceText = GraphDsl.Frontend.Syntax.SourceText;

namespace GraphDsl.SourceGenerator;

public sealed partial class ModelGenerator
{
    /// <summary>
    /// The optional build-time check (GraphDslHardware, GraphDslGpus, GraphDslWeights): do the model's
    /// weights fit in the GPUs' memory. Weights only: KV cache, activations and serving capacity are
    /// <c>graphdsl predict</c>'s job, with the full cost model that cannot load in the compiler.
    /// </summary>
    internal static class FitCheck
    {
        /// <summary>GD0902 when the weights (in the requested format) exceed the GPUs' memory; null when they fit.</summary>
        public static DiagnosticInfo? Check(ModelSpec spec, FitCheckOptions fit, SourceText root, string filePath)
        {
            var location = ModelNameLocation(root, spec.ModelName, filePath);
            var weightBytes = (double)spec.Facts.WeightBytes;
            if (fit.Weights != "keep")
            {
                // As the cost model does: inline and canonicalize, then quantize. The passes run on a copy
                // parsed from the IR text, since they may rewrite the module they get.
                var bag = new DiagnosticBag();
                var pipeline = OptionsReader.QuantizePipeline(fit.Weights, bag);
                var run = pipeline is null ? null : new PassManager(pipeline).Run(IrParser.Parse(spec.IrText));
                if (run?.Module is null)
                {
                    // The check was asked for and could not run: say so, as a warning (the model itself is fine).
                    var failure = bag.Items.Concat(run?.Diagnostics ?? Array.Empty<Diagnostic>()).FirstOrDefault();
                    return new DiagnosticInfo(failure?.Id ?? DiagnosticCatalog.PassFailed.Id, failure?.Descriptor.Title ?? "Pass failed",
                        Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, "fit check skipped: " + (failure?.Message ?? "the quantize pipeline failed"),
                        location, EquatableArray<LocationInfo>.Empty);
                }
                weightBytes = ModelStats.Compute(run.Module).WeightBytes;
            }
            var capacity = (double)fit.BytesPerGpu * fit.Gpus;
            if (weightBytes <= capacity) return null;
            var format = fit.Weights == "keep" ? "as declared" : "in " + fit.Weights;
            return DiagnosticDescriptors.Create(DiagnosticDescriptors.ModelDoesNotFit, location,
                spec.ModelName, Gb(weightBytes), format, fit.Gpus, fit.Hardware, Gb(capacity));
        }

        /// <summary>Bytes in GB (10^9 bytes), the unit every output of the tool uses (README, "Units").</summary>
        private static string Gb(double bytes) => (bytes / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + " GB";

        /// <summary>The model's name in <c>model Name {</c>, where a whole-model warning belongs.</summary>
        private static LocationInfo ModelNameLocation(SourceText root, string modelName, string filePath)
        {
            var match = Regex.Match(root.Text, @"\bmodel\s+(" + Regex.Escape(modelName) + @")\b");
            var span = match.Success ? root.Span(match.Groups[1].Index, match.Groups[1].Index + match.Groups[1].Length) : root.Span(0, 0);
            return DiagnosticMapping.Locate(span, filePath, root);
        }
    }
}
