using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Placement;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Graph;
using GraphDsl.Ir.Types;
using GraphDsl.Passes.Quantize;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl place FILE --gpus 32 --stats stats.json --strategy eplb --redundant 32</c>: which GPU holds which
/// expert, from routing statistics; a graphdsl-placement/1 plan and an engine expert-location map. Options, then the
/// settings they give (<see cref="Settings"/>), then the placement and its rendering.</summary>
internal sealed class PlaceCommand
{
    private readonly Argument<string> _file = new("file") { Description = ".moe file" };
    private readonly Option<string> _stats = new("--stats") { Description = "routing statistics (graphdsl-routing/1, from route-stats or measured)", Required = true };
    private readonly Option<string> _strategy = new("--strategy")
    {
        Description = "round-robin, contiguous, eplb, affinity or offload; options as eplb{redundant=32}, offload{gpu_slots=8}, affinity{tolerance=0.1}",
        DefaultValueFactory = _ => "eplb",
    };
    private readonly Option<int> _gpus = new("--gpus") { Description = "GPUs of the expert-parallel group", DefaultValueFactory = _ => 8 };
    private readonly Option<int?> _nodes = new("--nodes") { Description = "nodes the GPUs are spread over (default: with --hardware, ceil(gpus / the device's GPUs per node); else 1)" };
    private readonly Option<int> _redundant = new("--redundant") { Description = "eplb: redundant expert replicas per layer", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _gpuSlots = new("--gpu-slots") { Description = "offload: experts of each layer cached per GPU", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _hardware = HardwareLookup.WithDeviceCompletions(new Option<string?>("--hardware") { Description = "device id: checks that the experts fit its memory (and gives offload its host link); without it no memory limit is applied" });
    private readonly Option<string> _weights = new("--weights") { Description = "expert weight format: " + NumericFormat.ListFor(FormatRoles.Weights, keep: true), DefaultValueFactory = _ => NumericFormat.Keep };
    private readonly Option<double?> _budget = NumberOptions.Float("--expert-budget-gb", "GB (10^9 bytes) per GPU for routed experts (default: 90% of HBM less the other weights)",
        FloatRange.Positive(Math.Floor(HardwareLimits.MaxMemoryBytes / 1e9)));
    private readonly Option<long> _tokens = NumberOptions.Count("--tokens", "offload: tokens per step for the miss prediction", 64);
    private readonly Option<double?> _cpu = NumberOptions.Float("--cpu-tflops", "offload: host CPU peak for cold experts (default 229.4, 2 x Xeon 8480C AMX; 0: fetch only)",
        FloatRange.Between(0, HardwareLimits.MaxPeakTflops));
    private readonly Option<string> _format = CommonOptions.Format("table", "table", "json", "csv");
    private readonly Option<string?> _output = new("--output", "-o") { Description = "write the plan (graphdsl-placement/1 JSON) to this file; with --format table or csv the summary still goes to standard output" };
    private readonly Option<string?> _engineMap = new("--engine-map") { Description = "also write the engine expert-location map (physical_to_logical_map JSON)" };
    private readonly Option<string> _engine = new Option<string>("--engine") { Description = "engine map rows: sglang (one per decoder layer) or vllm (one per MoE layer)", DefaultValueFactory = _ => "sglang" }
        .AcceptOnlyFromAmong("sglang", "vllm");
    private readonly SourceOptions _source = new();

    /// <summary>What the command line asks for, checked: the strategy and its options (the node count following the
    /// device when one is named), the experts' format and the device, if any.</summary>
    private sealed record Settings(string Strategy, PlacementOptions Placement, DType? ExpertFormat, Device? Device, ClusterChoice? Cluster);

    public static Command Create()
    {
        var c = new PlaceCommand();
        var cmd = new Command("place", "Place MoE experts on GPUs from routing statistics (round-robin, EPLB, affinity, offload).")
        {
            c._file, c._stats, c._strategy, c._gpus, c._nodes, c._redundant, c._gpuSlots, c._hardware, c._weights, c._budget, c._tokens, c._cpu,
            c._format, c._output, c._engineMap, c._engine,
        };
        cmd.SetAction(c.Run);
        return cmd;
    }

    /// <summary>The settings, or null after reporting the first usage error: options are checked before any file is read.</summary>
    private Settings? Parse(ParseResult r, DiagnosticBag diagnostics)
    {
        string name;
        PlacementOptions options;
        try
        {
            (name, options) = ExpertPlacer.ParseStrategy(r.GetValue(_strategy)!, new PlacementOptions
            {
                Gpus = r.GetValue(_gpus), Nodes = r.GetValue(_nodes) ?? 1, Redundant = r.GetValue(_redundant), GpuSlots = r.GetValue(_gpuSlots),
            });
        }
        catch (FormatException e) { return Usage(diagnostics, $"--strategy: {e.Message}"); }
        if (!ExpertPlacer.Strategies.Contains(name))
            return Usage(diagnostics, $"--strategy: unknown placement strategy '{name}'{GraphDsl.Ir.Suggest.DidYouMean(name, ExpertPlacer.Strategies)}; known: {string.Join(", ", ExpertPlacer.Strategies)}");
        // The slot map is layers x slots: 16,777,216 GPUs with a slot each took over a minute and 570 MB before it was stopped.
        if (options.Gpus > HardwareLimits.MaxCount)
            return Usage(diagnostics, $"--gpus {options.Gpus} is more than {HardwareLimits.MaxCount}, the most GPUs an expert-parallel group is placed over");
        if (!ClusterChoice.CountsSplit(options.Gpus, options.Nodes, diagnostics)) return null;
        DType? expertFormat = null;
        var w = r.GetValue(_weights)!;
        // The experts' format as predict and quantize read it: a weight format, int8/int4 with their group scales.
        if (w != NumericFormat.Keep)
        {
            if (NumericFormat.Find(w) is not { } f || (f.Roles & FormatRoles.Weights) == 0)
                return Usage(diagnostics, $"--weights '{w}': expected {NumericFormat.Keep} or a weight format ({NumericFormat.ListFor(FormatRoles.Weights)})");
            expertFormat = QuantizePass.Format(w, QuantizeOptions.DefaultGroup);
        }
        var hardwareId = r.GetValue(_hardware);
        if (hardwareId is null && name == "offload") return Usage(diagnostics, "offload needs --hardware (its host link and memory)");
        if (hardwareId is null) return new Settings(name, options, expertFormat, null, null);
        var device = HardwareLookup.Find(HardwareCatalog.BuiltIn(), hardwareId, diagnostics);
        if (device is null) return null;
        // The node count follows the device, as in predict: the placement's hierarchy (eplb's node groups,
        // the all-to-all split over NVLink and the NIC) depends on it.
        var cluster = ClusterChoice.For(device, options.Gpus, r.GetValue(_nodes), diagnostics);
        if (cluster is null) return null;
        return new Settings(name, options with { Nodes = cluster.Cluster.Nodes }, expertFormat, device, cluster);
    }

    private int Run(ParseResult r)
    {
        var diagnostics = new DiagnosticBag();
        var s = Parse(r, diagnostics);
        DistinctOutputs.Check(diagnostics, [("FILE", r.GetValue(_file)), ("--stats", r.GetValue(_stats))], [("-o", r.GetValue(_output)), ("--engine-map", r.GetValue(_engineMap))]);
        Driver.Report(diagnostics.Items);
        if (s is null || diagnostics.HasErrors) return ExitCodes.UsageError;
        if (s.Cluster is { NodesDefault: true } cluster) Console.Error.WriteLine($"graphdsl: note: {s.Placement.Gpus} GPUs over {cluster.Describe()}");

        var module = _source.Load(r, r.GetValue(_file)!);
        if (module is null) return ExitCodes.InputError;
        var layers = MoeLayers.Of(module);
        if (layers.Count == 0) return Input(DiagnosticCatalog.InvalidWorkload, $"{module.Name} has no MoE layer to place");
        RoutingStats routing;
        var statsPath = r.GetValue(_stats)!;
        try { routing = RoutingStats.Load(statsPath); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException or FormatException or ArgumentException)
        {
            return Input(DiagnosticCatalog.InvalidRoutingStats, $"--stats: {e.Message}");
        }
        var problems = routing.ValidateFor(module.Name, layers);
        if (problems.Count > 0)
        {
            Driver.Report(problems.Select(p => DiagnosticCatalog.InvalidRoutingStats.At(SourceSpan.None, $"--stats {statsPath}: {p}")));
            return ExitCodes.InputError;
        }

        try { return Place(r, s, module, layers.Count, routing); }
        catch (PlacementException e)
        {
            var descriptor = e.Problem switch
            {
                PlacementProblem.Statistics => DiagnosticCatalog.InvalidRoutingStats,
                PlacementProblem.PlanFile => DiagnosticCatalog.InvalidPlacementFile,
                _ => DiagnosticCatalog.PlacementInfeasible,
            };
            return Input(descriptor, e.Message);
        }
    }

    /// <summary>Places the experts (within the memory limit when the GPUs or a budget are named) and writes the plan,
    /// the table and the engine map.</summary>
    private int Place(ParseResult r, Settings s, Module module, int moeLayers, RoutingStats routing)
    {
        var facts = MoeExpertFacts.Of(module, s.ExpertFormat);
        double memoryUtilization = EfficiencyProfile.Find("default")?.MemoryUtilization ?? 0.9;
        double? budgetBytes = r.GetValue(_budget) is { } gb ? gb * 1e9 : s.Device is null ? null : facts.GpuBudgetBytes(s.Device.MemoryBytes, memoryUtilization);
        var memory = budgetBytes is { } b ? new ExpertMemory(facts.BytesPerExpert, b) : null;
        var plan = ExpertPlacer.Place(s.Strategy, routing, s.Placement with { ExpertGroups = facts.Groups, Memory = memory });
        OffloadPrediction? offload = null;
        if (s.Strategy == "offload")
            offload = OffloadCost.Predict(plan, routing, r.GetValue(_tokens), facts, HostTier.For(s.Device!, r.GetValue(_cpu) is { } tf ? tf * 1e12 : null));
        var report = PlacementReport.Build(plan, routing, memory, offload, facts.Dim * facts.ActivationBytes);
        if (r.GetValue(_engineMap) is { } mapPath)
        {
            var layout = r.GetValue(_engine) == "sglang" ? EngineLayerLayout.Of(module) : EngineLayerLayout.MoeOnly(moeLayers);
            if (!Driver.WriteOutput(mapPath, EngineExpertMap.Write(plan, layout))) return ExitCodes.InputError;
        }
        var json = PlacementJson.Write(report);
        var format = r.GetValue(_format);
        string Summary() => format == "csv" ? Rendering.PlacementCsv.Write(report) : PlacementTable.Write(report);
        if (r.GetValue(_output) is { } outPath)
        {
            if (!Driver.WriteOutput(outPath, json)) return ExitCodes.InputError;
            if (format != "json") Console.Out.Write(Summary());
        }
        else Console.Out.Write(format == "json" ? json : Summary());
        return ExitCodes.Ok;
    }

    private static Settings? Usage(DiagnosticBag diagnostics, string message)
    {
        diagnostics.Report(DiagnosticCatalog.InvalidOption, SourceSpan.None, message);
        return null;
    }

    private static int Input(DiagnosticDescriptor descriptor, string message)
    {
        Driver.Report(descriptor.At(SourceSpan.None, message));
        return ExitCodes.InputError;
    }
}
