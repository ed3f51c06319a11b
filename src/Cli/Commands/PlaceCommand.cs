using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Inputs;
using GraphDsl.Backends.CostModel.Moe;
using GraphDsl.Backends.Placement;
using GraphDsl.Ir.Diagnostics;
using GraphDsl.Ir.Types;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl place FILE --gpus 32 --stats stats.json --strategy eplb --redundant 32</c>: which GPU holds which
/// expert, from routing statistics; a graphdsl-placement/1 plan and an engine expert-location map.</summary>
internal static class PlaceCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = ".moe file" };
        var stats = new Option<string>("--stats") { Description = "routing statistics (graphdsl-routing/1, from route-stats or measured)", Required = true };
        var strategy = new Option<string>("--strategy")
        {
            Description = "round-robin, contiguous, eplb, affinity or offload; options as eplb{redundant=32}, offload{gpu_slots=8}, affinity{tolerance=0.1}",
            DefaultValueFactory = _ => "eplb",
        };
        var gpus = new Option<int>("--gpus") { Description = "GPUs of the expert-parallel group", DefaultValueFactory = _ => 8 };
        var nodes = new Option<int?>("--nodes") { Description = "nodes the GPUs are spread over (default: with --hardware, ceil(gpus / the device's GPUs per node); else 1)" };
        var redundant = new Option<int>("--redundant") { Description = "eplb: redundant expert replicas per layer", DefaultValueFactory = _ => 0 };
        var gpuSlots = new Option<int>("--gpu-slots") { Description = "offload: experts of each layer cached per GPU", DefaultValueFactory = _ => 0 };
        var hardware = new Option<string?>("--hardware") { Description = "device id: checks that the experts fit its memory (and gives offload its host link); without it no memory limit is applied" };
        var weights = new Option<string>("--weights") { Description = "expert weight format: keep, bf16, fp8, int8, int4, mxfp4, nvfp4", DefaultValueFactory = _ => "keep" };
        var budget = NumberOptions.Float("--expert-budget-gib", "GiB per GPU for routed experts (default: 90% of HBM less the other weights)",
            FloatRange.Positive(Math.Floor(HardwareLimits.MaxMemoryBytes / (1L << 30))));
        var tokens = NumberOptions.Count("--tokens", "offload: tokens per step for the miss prediction", 64);
        var cpu = NumberOptions.Float("--cpu-tflops", "offload: host CPU peak for cold experts (default 229.4, 2 x Xeon 8480C AMX; 0: fetch only)",
            FloatRange.Between(0, HardwareLimits.MaxPeakTflops));
        var format = CommonOptions.Format("table", "table", "json");
        var output = new Option<string?>("--output", "-o") { Description = "write the plan (graphdsl-placement/1 JSON) to this file; with --format table the summary still goes to standard output" };
        var engineMap = new Option<string?>("--engine-map") { Description = "also write the engine expert-location map (physical_to_logical_map JSON)" };
        var engine = new Option<string>("--engine") { Description = "engine map rows: sglang (one per decoder layer) or vllm (one per MoE layer)", DefaultValueFactory = _ => "sglang" };
        engine.AcceptOnlyFromAmong("sglang", "vllm");
        var source = new SourceOptions();
        var cmd = new Command("place", "Place MoE experts on GPUs from routing statistics (round-robin, EPLB, affinity, offload).")
        {
            file, stats, strategy, gpus, nodes, redundant, gpuSlots, hardware, weights, budget, tokens, cpu, format, output, engineMap, engine,
        };
        cmd.SetAction(r =>
        {
            // Options first: usage errors exit 2 before any file is read.
            string name;
            PlacementOptions options;
            try
            {
                (name, options) = ExpertPlacer.ParseStrategy(r.GetValue(strategy)!, new PlacementOptions
                {
                    Gpus = r.GetValue(gpus), Nodes = r.GetValue(nodes) ?? 1, Redundant = r.GetValue(redundant), GpuSlots = r.GetValue(gpuSlots),
                });
            }
            catch (FormatException e) { return Usage($"--strategy: {e.Message}"); }
            if (!ExpertPlacer.Strategies.Contains(name))
                return Usage($"--strategy: unknown placement strategy '{name}'{GraphDsl.Ir.Suggest.DidYouMean(name, ExpertPlacer.Strategies)}; known: {string.Join(", ", ExpertPlacer.Strategies)}");
            if (options.Gpus < 1 || options.Nodes < 1 || options.Gpus % options.Nodes != 0)
            {
                Driver.Report(DiagnosticCatalog.DeploymentMismatch.At(SourceSpan.None, $"--gpus ({options.Gpus}) must be a positive multiple of --nodes ({options.Nodes})"));
                return ExitCodes.UsageError;
            }
            DType? expertFormat = null;
            var w = r.GetValue(weights)!;
            if (w != "keep" && !DType.TryParse(w, out expertFormat!)) return Usage($"--weights '{w}': expected keep or a weight format (bf16, fp8, int8, int4, mxfp4, nvfp4)");
            var hardwareId = r.GetValue(hardware);
            if (hardwareId is null && name == "offload") return Usage("offload needs --hardware (its host link and memory)");
            var device = hardwareId is null ? null : HardwareCatalog.BuiltIn().Find(hardwareId);
            if (hardwareId is not null && device is null)
            {
                var catalog = HardwareCatalog.BuiltIn();
                Driver.Report(DiagnosticCatalog.UnknownHardware.At(SourceSpan.None, r.GetValue(hardware)!, catalog.Suggest(r.GetValue(hardware)!),
                    string.Join(", ", catalog.Devices.Select(d => d.Id).OrderBy(d => d, StringComparer.Ordinal))));
                return ExitCodes.UsageError;
            }

            if (device is not null && options.Gpus >= 1)
            {
                // The node count follows the device, as in predict: the placement's hierarchy (eplb's node groups,
                // the all-to-all split over NVLink and the NIC) depends on it.
                var diagnostics = new DiagnosticBag();
                var cluster = ClusterChoice.For(device, options.Gpus, r.GetValue(nodes), diagnostics);
                Driver.Report(diagnostics.Items);
                if (cluster is null) return ExitCodes.UsageError;
                if (cluster.NodesDefault) Console.Error.WriteLine($"graphdsl: note: {options.Gpus} GPUs over {cluster.Describe()}");
                options = options with { Nodes = cluster.Cluster.Nodes };
            }

            var module = source.Load(r, r.GetValue(file)!);
            if (module is null) return ExitCodes.InputError;
            var layers = MoeLayers.Of(module);
            if (layers.Count == 0) return Input(DiagnosticCatalog.InvalidWorkload, $"{module.Name} has no MoE layer to place");
            RoutingStats routing;
            var statsPath = r.GetValue(stats)!;
            try { routing = RoutingStats.Load(statsPath); }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException or FormatException or ArgumentException)
            {
                return Input(DiagnosticCatalog.InvalidRoutingStats, $"--stats: {e.Message}");
            }
            var problems = routing.Validate(layers.Count, layers[0].Experts, layers[0].TopK);
            if (problems.Count > 0)
            {
                Driver.Report(problems.Select(p => DiagnosticCatalog.InvalidRoutingStats.At(SourceSpan.None, $"--stats {statsPath}: {p}")));
                return ExitCodes.InputError;
            }

            try
            {
                var facts = MoeExpertFacts.Of(module, expertFormat);
                double memoryUtilization = EfficiencyProfile.Find("default")?.MemoryUtilization ?? 0.9;
                // The memory limit applies when the GPUs (or a budget) are named.
                double? budgetBytes = r.GetValue(budget) is { } gib ? gib * (1L << 30) : device is null ? null : facts.GpuBudgetBytes(device.MemoryBytes, memoryUtilization);
                var memory = budgetBytes is { } b ? new ExpertMemory(facts.BytesPerExpert, b) : null;
                options = options with { ExpertGroups = facts.Groups, Memory = memory };
                var plan = ExpertPlacer.Place(name, routing, options);
                OffloadPrediction? offload = null;
                if (name == "offload")
                    offload = OffloadCost.Predict(plan, routing, r.GetValue(tokens), facts,
                        HostTier.For(device!, r.GetValue(cpu) is { } tf ? tf * 1e12 : null));
                var report = PlacementReport.Build(plan, routing, memory, offload, facts.Dim * facts.ActivationBytes);
                if (r.GetValue(engineMap) is { } mapPath)
                {
                    var layout = r.GetValue(engine) == "sglang" ? EngineLayerLayout.Of(module) : EngineLayerLayout.MoeOnly(layers.Count);
                    if (!Driver.WriteOutput(mapPath, EngineExpertMap.Write(plan, layout))) return ExitCodes.InputError;
                }
                var json = PlacementJson.Write(report);
                if (r.GetValue(output) is { } outPath)
                {
                    if (!Driver.WriteOutput(outPath, json)) return ExitCodes.InputError;
                    if (r.GetValue(format) == "table") Console.Out.Write(PlacementTable.Write(report));
                }
                else Console.Out.Write(r.GetValue(format) == "json" ? json : PlacementTable.Write(report));
                return ExitCodes.Ok;
            }
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
        });
        return cmd;
    }

    private static int Usage(string message)
    {
        Driver.Report(DiagnosticCatalog.InvalidOption.At(SourceSpan.None, message));
        return ExitCodes.UsageError;
    }

    private static int Input(DiagnosticDescriptor descriptor, string message)
    {
        Driver.Report(descriptor.At(SourceSpan.None, message));
        return ExitCodes.InputError;
    }
}
