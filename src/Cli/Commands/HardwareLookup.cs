using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>The device a <c>--hardware</c> id names, looked up one way by every command.</summary>
internal static class HardwareLookup
{
    /// <summary>Lets shell completion (graphdsl completion) offer the built-in device ids for <paramref name="option"/>;
    /// the catalog is read only when a completion is asked for.</summary>
    public static T WithDeviceCompletions<T>(T option) where T : System.CommandLine.Option
    {
        option.CompletionSources.Add(_ => HardwareCatalog.BuiltIn().Devices.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal)
            .Select(id => new System.CommandLine.Completions.CompletionItem(id)));
        return option;
    }

    /// <summary>The built-in catalog with the devices of <paramref name="files"/> (--hardware-file) added; null after
    /// reporting a bad file (GD0604).</summary>
    public static HardwareCatalog? Catalog(IEnumerable<string> files, DiagnosticBag diagnostics)
    {
        var catalog = HardwareCatalog.BuiltIn();
        foreach (var f in files)
        {
            try { catalog.AddFile(f); }
            catch (Exception e) when (e is HardwareFileException or IOException or UnauthorizedAccessException)
            {
                diagnostics.Report(DiagnosticCatalog.HardwareFile, SourceSpan.None, e.Message);
                return null;
            }
        }
        return catalog;
    }

    /// <summary>The device, or null after reporting the unknown id (GD0601) with the likely one and every known id.</summary>
    public static Device? Find(HardwareCatalog catalog, string id, DiagnosticBag diagnostics)
    {
        var device = catalog.Find(id);
        if (device is null)
            diagnostics.Report(DiagnosticCatalog.UnknownHardware, SourceSpan.None, id, catalog.Suggest(id),
                string.Join(", ", catalog.Devices.Select(d => d.Id).OrderBy(d => d, StringComparer.Ordinal)));
        return device;
    }
}
