using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Cli.Rendering;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Types;
using Spectre.Console;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl hardware</c>: the devices <c>--hardware</c> accepts, with the figures the cost model prices them
/// by (memory, bandwidth, dense peaks per math type, links, GPUs per node and per host), built in or added with --hardware-file.</summary>
internal sealed class HardwareCommand
{
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv");
    private readonly Option<string[]> _files = new("--hardware-file") { Description = "JSON file of extra devices (same format as the built-in catalog)" };

    /// <summary>The math types whose peaks the listing shows, in this order (the rest are in the JSON).</summary>
    private static readonly MathType[] Shown = { MathType.Bf16, MathType.Fp8, MathType.Fp4, MathType.Int8 };

    public static Command Create()
    {
        var c = new HardwareCommand();
        var cmd = new Command("hardware", "List the devices --hardware accepts, with their memory, bandwidth, peaks and links (GB = 10^9 bytes).")
            { c._format, c._files };
        cmd.SetAction(c.Run);
        return cmd;
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var catalog = HardwareLookup.Catalog(r.GetValue(_files) ?? Array.Empty<string>(), diagnostics);
        Driver.Report(diagnostics.Items);
        if (catalog is null) return ExitCodes.UsageError;  // as for predict: a bad --hardware-file is a bad command line
        var devices = catalog.Devices.OrderBy(d => d.Vendor, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        switch (r.GetValue(_format))
        {
            case "json": Console.Out.Write(ToJson(devices)); break;
            case "csv": Console.Out.Write(ToCsv(devices)); break;
            default: WriteTable(devices); break;
        }
        return ExitCodes.Ok;
    }

    private static string Tflops(Device d, MathType m) => d.Peak(m) is { } p ? (p / 1e12).ToString("F0", CultureInfo.InvariantCulture) : "-";
    private static string Gb(double bytes) => (bytes / 1e9).ToString("F0", CultureInfo.InvariantCulture);
    private static string TbPerS(double bytesPerSecond) => (bytesPerSecond / 1e12).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>The listing's columns, for the table and the CSV alike (the CSV names them in snake case).</summary>
    private static readonly string[] Headers =
        new[] { "id", "name", "vendor", "HBM GB", "HBM TB/s" }.Concat(Shown.Select(m => m.Key + " TFLOP/s")).Concat(new[] { "GPUs/node", "in-node GB/s", "net GB/s" }).ToArray();

    private static IEnumerable<string> Cells(Device d, string gpusPerNode) =>
        new[] { d.Id, d.Name, d.Vendor, Gb(d.MemoryBytes), TbPerS(d.HbmBytesPerSecond) }.Concat(Shown.Select(m => Tflops(d, m)))
            .Concat(new[] { gpusPerNode, Gb(d.IntraNode.BytesPerSecond), Gb(d.Network.BytesPerSecond) });

    /// <summary>"72 (4/host)" where a node spans hosts (a GB200 NVL72 rack of 4-GPU trays): deployments and engine exports
    /// are written per host, the links priced per node.</summary>
    private static string GpusPerNodeLabel(Device d) => d.GpusPerHost == d.GpusPerNode
        ? d.GpusPerNode.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{d.GpusPerNode} ({d.GpusPerHost}/host)");

    /// <summary>The math types the device computes natively (a format outside them is emulated, docs/formats.md).</summary>
    private static IEnumerable<string> Native(Device d) => MathType.WithPeaks.Where(m => d.Peak(m) is not null).Select(m => m.Key);

    private static void WriteTable(IReadOnlyList<Device> devices)
    {
        var t = new Table().Border(TableBorder.Rounded);
        foreach (var h in Headers) t.AddColumn(new TableColumn(h));
        foreach (var d in devices) t.AddRow(Cells(d, GpusPerNodeLabel(d)).Select(Markup.Escape).ToArray());
        var c = Terminal.Create();
        c.Write(t);
        c.MarkupLine("Dense peaks; '-' where the device has no native math for the type (a format in it runs emulated). Sources: src/Backends/CostModel/Data/hardware.json.");
    }

    private static string ToCsv(IReadOnlyList<Device> devices)
    {
        var csv = new Csv(new[] { "id", "name", "vendor", "memory_gb", "hbm_tb_per_s" }.Concat(Shown.Select(m => m.Key + "_tflops"))
            .Concat(new[] { "gpus_per_node", "intra_node_gb_per_s", "network_gb_per_s", "gpus_per_host" }));
        // Numbers only in a CSV: the node's GPU count alone, the host's in its own column.
        foreach (var d in devices)
            csv.Row(Cells(d, d.GpusPerNode.ToString(CultureInfo.InvariantCulture)).Append(d.GpusPerHost.ToString(CultureInfo.InvariantCulture)));
        return csv.ToString();
    }

    private static string ToJson(IReadOnlyList<Device> devices) => Json.Write(w =>
    {
        w.WriteStartArray("devices");
        foreach (var d in devices)
        {
            w.WriteStartObject();
            w.WriteString("id", d.Id);
            w.WriteString("name", d.Name);
            w.WriteString("vendor", d.Vendor);
            w.Number("memory_bytes", d.MemoryBytes);
            w.Number("hbm_bytes_per_s", d.HbmBytesPerSecond);
            w.Object("peak_flops", () => { foreach (var m in MathType.WithPeaks) if (d.Peak(m) is { } p) w.Number(m.Key, p); });
            w.WriteStartArray("native_math");
            foreach (var m in Native(d)) w.WriteStringValue(m);
            w.WriteEndArray();
            w.Number("gpus_per_node", d.GpusPerNode);
            w.Number("gpus_per_host", d.GpusPerHost);
            w.Object("intra_node", () => { w.WriteString("name", d.IntraNode.Name); w.Number("bytes_per_s", d.IntraNode.BytesPerSecond); w.Number("latency_s", d.IntraNode.LatencySeconds); });
            w.Object("network", () => { w.WriteString("name", d.Network.Name); w.Number("bytes_per_s", d.Network.BytesPerSecond); w.Number("latency_s", d.Network.LatencySeconds); });
            w.WriteStartArray("sources");
            foreach (var s in d.Sources) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });
}
