using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using GraphDsl.SourceGenerator.Model;
using Microsoft.CodeAnalysis;
using IrSeverity = GraphDsl.Ir.Diagnostics.Severity;

namespace GraphDsl.SourceGenerator;

public sealed partial class ModelGenerator
{
    /// <summary>
    /// The Roslyn descriptors of every diagnostic the generator reports: the GraphDsl catalog's
    /// (GD01xx-GD08xx, one descriptor per id with the message already formatted) and the generator's own
    /// GD09xx. Keep the GD09xx rows in sync with src/Ir/Diagnostics/DiagnosticCatalog.cs and
    /// docs/diagnostics.md, where the 09xx range is reserved for this generator.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "GraphDsl";

        public static DiagnosticDescriptor InternalError { get; } = new(
            "GD0901", "Internal generator failure",
            "internal error while generating code for '{0}': {1} (please report it)",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static DiagnosticDescriptor ModelDoesNotFit { get; } = new(
            "GD0902", "Model weights do not fit",
            "model '{0}' needs {1} for its weights ({2}), more than {3} x {4} hold ({5})",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public static DiagnosticDescriptor InvalidOption { get; } = new(
            "GD0903", "Invalid generator option",
            "{0}",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public static DiagnosticDescriptor DuplicateModelClass { get; } = new(
            "GD0904", "Two models generate the same class",
            "class '{0}' is generated from both '{1}' and '{2}'; rename one of the models",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        /// <summary>The generator's own descriptors, in id order.</summary>
        public static DiagnosticDescriptor[] Generator { get; } = { InternalError, ModelDoesNotFit, InvalidOption, DuplicateModelClass };

        private static readonly ConcurrentDictionary<(string Id, DiagnosticSeverity Severity), DiagnosticDescriptor> Cache = new();

        /// <summary>The descriptor a <see cref="DiagnosticInfo"/> is reported with: its id and title, and
        /// "{0}" as the format, since the message comes formatted (catalog or generator alike).</summary>
        public static DiagnosticDescriptor For(string id, string title, DiagnosticSeverity severity) =>
            Cache.GetOrAdd((id, severity), key => new DiagnosticDescriptor(
                key.Id, title, "{0}", Category, key.Severity, isEnabledByDefault: true));

        public static DiagnosticSeverity ToRoslyn(IrSeverity severity) => severity switch
        {
            IrSeverity.Error => DiagnosticSeverity.Error,
            IrSeverity.Warning => DiagnosticSeverity.Warning,
            _ => DiagnosticSeverity.Info,
        };

        /// <summary>A diagnostic of one of the generator's own descriptors, formatted now.</summary>
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args) =>
            new(descriptor.Id, descriptor.Title.ToString(CultureInfo.InvariantCulture), descriptor.DefaultSeverity,
                string.Format(CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), args),
                location, EquatableArray<LocationInfo>.Empty);
    }
}
