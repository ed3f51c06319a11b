using System;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Cli.Commands;

/// <summary>The device a <c>--hardware</c> id names, looked up one way by every command.</summary>
internal static class HardwareLookup
{
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
