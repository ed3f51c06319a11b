using System.Collections.Generic;
using System.IO;
using System.Linq;
using GraphDsl.Ir.Files;
using GraphDsl.TestSupport;

namespace GraphDsl.Cli.Tests;

/// <summary>The table of input limits in README.md states each limit's constant and its value as the code has it.</summary>
public class InputLimitsDocTests
{
    private static readonly Dictionary<string, long> Constants = new()
    {
        ["SyntaxParser.MaxFileBytes"] = GraphDsl.Frontend.Parsing.SyntaxParser.MaxFileBytes,
        ["IrParser.MaxFileBytes"] = GraphDsl.Ir.Text.IrParser.MaxFileBytes,
        ["Measurement.MaxFileBytes"] = GraphDsl.Backends.CostModel.Validation.Measurement.MaxFileBytes,
        ["HardwareCatalog.MaxFileBytes"] = GraphDsl.Backends.CostModel.Hardware.HardwareCatalog.MaxFileBytes,
        ["RoutingStats.MaxFileBytes"] = GraphDsl.Backends.CostModel.Moe.RoutingStats.MaxFileBytes,
        ["TraceSource.MaxFileBytes"] = GraphDsl.Backends.Serving.Workloads.TraceSource.MaxFileBytes,
        ["PlacementJson.MaxFileBytes"] = GraphDsl.Backends.Placement.PlacementJson.MaxFileBytes,
        ["SafetensorsHeader.MaxHeaderBytes"] = GraphDsl.Backends.Weights.Safetensors.SafetensorsHeader.MaxHeaderBytes,
        ["HfImporter.MaxFileBytes"] = GraphDsl.Import.HfImporter.MaxFileBytes,
    };

    [Fact]
    public void The_readme_table_lists_every_limit_with_its_value()
    {
        var rows = File.ReadAllLines(Path.Combine(Repo.Root, "README.md"))
            .Where(l => l.StartsWith("| ", System.StringComparison.Ordinal) && (l.Contains(".MaxFileBytes`") || l.Contains(".MaxHeaderBytes`")))
            .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .ToDictionary(c => c[2].Trim('`'), c => c[1]);
        Assert.Equal(Constants.Keys.OrderBy(k => k), rows.Keys.OrderBy(k => k));
        foreach (var (name, value) in Constants) Assert.Equal(InputFile.Size(value), rows[name]);
    }
}
