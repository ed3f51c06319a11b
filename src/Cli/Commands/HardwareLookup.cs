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
    /// reporting a bad file (GD0604). A file's device with the id of one already there (built in, or from an earlier
    /// file) replaces it, with a warning at the file's id (GD0854): redefining h100-sxm with one's own measurements is
    /// a use the catalog format allows, but the same id taken by accident used to change every figure silently.</summary>
    public static HardwareCatalog? Catalog(IEnumerable<string> files, DiagnosticBag diagnostics)
    {
        var catalog = HardwareCatalog.BuiltIn();
        var origin = catalog.Devices.ToDictionary(d => d, _ => (string?)null, (IEqualityComparer<Device>)ReferenceEqualityComparer.Instance);
        foreach (var f in files)
        {
            var before = catalog.Devices.ToList();
            byte[] read;
            try { read = catalog.AddFile(f); }
            catch (HardwareFileException e)
            {
                var (span, message) = Located(f, e.Message);
                diagnostics.Report(DiagnosticCatalog.HardwareFile, span, message);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                diagnostics.Report(DiagnosticCatalog.HardwareFile, SourceSpan.None, e.Message);
                return null;
            }
            string? text = null;
            foreach (var old in before.Where(d => catalog.Find(d.Id) is { } now && !ReferenceEquals(now, d)))
            {
                var now = catalog.Find(old.Id)!;
                var replaced = origin[old] is { } file ? $"the device '{old.Id}' of {file}" : $"the built-in device '{old.Id}'";
                text ??= GraphDsl.Ir.Files.InputFile.Text(read);
                diagnostics.Report(DiagnosticCatalog.DeviceReplaced, IdSpan(f, text, now.Id), now.Id, replaced);
            }
            foreach (var d in catalog.Devices.Except(before, (IEqualityComparer<Device>)ReferenceEqualityComparer.Instance)) origin[d] = f;
        }
        return catalog;
    }

    /// <summary>The place in <paramref name="file"/> a reader's error names (<see cref="JsonErrorSpan"/>), read again within
    /// the catalog's size limit; the message as it is, unlocated, if the file cannot be read now.</summary>
    private static (SourceSpan Span, string Message) Located(string file, string message)
    {
        try { return JsonErrorSpan.Locate(file, GraphDsl.Ir.Files.InputFile.ReadAllBytes(file, HardwareCatalog.MaxFileBytes, "a hardware file"), message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (SourceSpan.None, message); }
    }

    /// <summary>Where the file names the device: the line and column of its <c>"id": "ID"</c> in <paramref name="text"/>, the
    /// file as the catalog read and parsed it, else the file's start.</summary>
    private static SourceSpan IdSpan(string file, string text, string id)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, "\"id\"\\s*:\\s*(\"" + System.Text.RegularExpressions.Regex.Escape(id) + "\")");
        if (!m.Success) return SourceSpan.At(file, 1, 1);
        int at = m.Groups[1].Index, line = 1 + text.AsSpan(0, at).Count('\n');
        int column = at - (text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1) + 1;
        return SourceSpan.At(file, line, column, id.Length + 2);
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
